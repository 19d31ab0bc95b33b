package cache

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults for BlockConfig fields left at their zero value.
const (
	DefaultBlockSize    = 1 << 20   // 1 MiB
	DefaultMemBytes     = 256 << 20 // 256 MiB
	DefaultDiskBytes    = 4 << 30   // 4 GiB
	DefaultMaxPrefetch  = 16
	DefaultFetchTimeout = 2 * time.Minute
	DefaultDiskWriters  = 1
	DefaultDiskQueue    = 32
)

// maxBlockSize bounds BlockSize: a disk block records its length in a
// 32-bit index entry and the whole block is held in memory while it is
// served.
const maxBlockSize = 64 << 20

// BlockConfig configures a Blocks cache. Zero values mean "use the default";
// call SetDefaults then Validate (NewBlocks does both).
type BlockConfig struct {
	// BlockSize is the size of every block but an object's last one.
	BlockSize int64
	// MemBytes is the budget for block memory: the blocks the memory
	// tier holds, plus what prefetches in flight and the free list of
	// recycled buffers may pin (memReserve), never exceed it.
	MemBytes int64
	// DiskDir is the disk tier's directory; "" means no disk tier.
	DiskDir string
	// DiskBytes is the disk tier's budget: the present blocks, the index
	// headers and entries describing them, plus the blocks being written
	// never exceed it (blocks evicted while a reader holds them are freed
	// when it is done).
	DiskBytes int64
	// MaxPrefetch bounds the background fills started by Prefetch that are
	// running at once; further Prefetch calls are dropped (and counted).
	MaxPrefetch int
	// DiskWriters bounds concurrent disk-tier writes. One is the default:
	// block writes are sequential I/O, and a goroutine blocked in a write
	// syscall holds a scheduler P until sysmon takes it back (up to 10 ms),
	// so on a small machine several writers stall readers (measured: see
	// doc.go).
	DiskWriters int
	// DiskWriteQueue bounds the fetched blocks waiting for or in a disk
	// write; beyond it a block is not written (counted as skipped).
	DiskWriteQueue int
	// FetchTimeout bounds one fill (disk read or fetch callback). A fill is
	// detached from its callers' contexts, so this is what stops a fetch
	// nobody waits for any more.
	FetchTimeout time.Duration
	// Clock returns the current time; it stamps disk-tier access times.
	Clock func() time.Time
	// Logger receives warnings (corrupt disk blocks, disk errors).
	Logger *slog.Logger
}

// SetDefaults fills zero fields with their defaults.
func (c *BlockConfig) SetDefaults() {
	if c.BlockSize == 0 {
		c.BlockSize = DefaultBlockSize
	}
	if c.MemBytes == 0 {
		c.MemBytes = DefaultMemBytes
	}
	if c.DiskBytes == 0 {
		c.DiskBytes = DefaultDiskBytes
	}
	if c.MaxPrefetch == 0 {
		c.MaxPrefetch = DefaultMaxPrefetch
	}
	if c.DiskWriters == 0 {
		c.DiskWriters = DefaultDiskWriters
	}
	if c.DiskWriteQueue == 0 {
		c.DiskWriteQueue = DefaultDiskQueue
	}
	if c.FetchTimeout == 0 {
		c.FetchTimeout = DefaultFetchTimeout
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports a configuration that cannot work.
func (c *BlockConfig) Validate() error {
	var errs []error
	if c.BlockSize <= 0 || c.BlockSize > maxBlockSize {
		errs = append(errs, fmt.Errorf("block size %d out of range (1 B to %d B)", c.BlockSize, maxBlockSize))
	}
	if c.MemBytes < c.BlockSize {
		errs = append(errs, fmt.Errorf("memory budget %d is smaller than one block (%d)", c.MemBytes, c.BlockSize))
	}
	if c.DiskDir != "" && c.DiskBytes < c.BlockSize {
		errs = append(errs, fmt.Errorf("disk budget %d is smaller than one block (%d)", c.DiskBytes, c.BlockSize))
	}
	if c.MaxPrefetch < 0 {
		errs = append(errs, fmt.Errorf("max prefetch %d is negative", c.MaxPrefetch))
	}
	if c.DiskWriters < 0 || c.DiskWriteQueue < 0 {
		errs = append(errs, fmt.Errorf("disk writers %d and queue %d must not be negative", c.DiskWriters, c.DiskWriteQueue))
	}
	if c.FetchTimeout < 0 {
		errs = append(errs, fmt.Errorf("fetch timeout %v is negative", c.FetchTimeout))
	}
	if c.Clock == nil || c.Logger == nil {
		errs = append(errs, errors.New("clock and logger must be set (call SetDefaults)"))
	}
	return errors.Join(errs...)
}

// memReserve is the part of MemBytes kept for block buffers outside the
// memory tier: one being filled by each of MaxPrefetch running prefetches
// and by each of the streamSlots fills that readers left running
// (stream.go), and the free list's, so that readahead's memory, too,
// comes out of MemBytes. It is whole blocks, at most an eighth of
// MemBytes, so a budget of a few blocks keeps them all for the tier.
func (c BlockConfig) memReserve() int64 {
	blocks := min(int64(c.MaxPrefetch+streamSlots+freeBuffers), c.MemBytes/8/c.BlockSize)
	return blocks * c.BlockSize
}
