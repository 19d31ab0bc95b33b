package vfs

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/objfs/objfs/cache"
)

// Defaults for ReadCacheConfig. A 64 MiB window fetched in runs of 8 MiB
// (reader.go) keeps four to eight ranged GETs in flight for one
// sequential reader, about what the AWS CLI and mountpoint-s3 use; on the
// 2-core development VM, against MinIO on loopback, windows of 16 and
// 64 MiB and runs of 4 to 32 MiB were all within the noise of other work
// on the machine (`make bench`, bench/doc.go).
const (
	DefaultCacheMemBytes  int64 = cache.DefaultMemBytes // the cache's own defaults
	DefaultCacheDiskBytes int64 = cache.DefaultDiskBytes
	DefaultReadaheadMax   int64 = 64 << 20
	DefaultMaxPrefetch          = cache.DefaultMaxPrefetch

	// NoReadahead, as ReadaheadMax, turns readahead off: every read
	// fetches only the blocks it touches.
	NoReadahead int64 = -1

	// DefaultWholeMax is the default of ReadCacheConfig.WholeMax: objects
	// up to 64 MiB are fetched whole by their first read when there is a
	// disk tier (what s3fs and geesefs do for every object), so random
	// reads of them are soon served locally, by passthrough.
	DefaultWholeMax int64 = 64 << 20
	// NoWhole, as WholeMax, never fetches an object whole.
	NoWhole int64 = -1
)

// ReadCacheConfig configures how file data is read: the block cache (a
// memory tier, and a disk tier when DiskDir is set) shared by every open
// file of the FS, and the readahead of each open file. Zero values mean
// the defaults.
type ReadCacheConfig struct {
	// MemBytes is the memory tier's budget (DefaultCacheMemBytes when
	// zero). Every block a read or a prefetch brings in is counted in it:
	// readahead has no memory of its own.
	MemBytes int64
	// DiskDir is the directory of the disk tier; "" means no disk tier.
	// Objects are kept in DiskDir/objects and survive remounts; a DiskDir
	// serves one mount at a time (DiskDir/LOCK).
	DiskDir string
	// DiskBytes is the disk tier's budget (DefaultCacheDiskBytes when
	// zero).
	DiskBytes int64
	// ReadaheadMax is the largest readahead window of one open file
	// (DefaultReadaheadMax when zero, NoReadahead to turn readahead off).
	// The window starts at one block when reads turn sequential and
	// doubles with every block the reader enters. It is capped at a
	// quarter of MemBytes so that four sequential readers do not evict
	// each other's blocks before reading them.
	ReadaheadMax int64
	// MaxPrefetch bounds the block fetches readahead has in flight at
	// once, for the whole FS (DefaultMaxPrefetch when zero).
	MaxPrefetch int
	// DirectIO makes reads bypass the kernel's page cache
	// (FOPEN_DIRECT_IO): every read(2) is one FUSE request answered from
	// the block cache, so a byte is copied once into the reader's buffer
	// instead of into the page cache and out again. For large reads
	// (data loaders, cp, dd with 1 MiB) that costs less CPU and fills no
	// page cache: a cold 2 GiB dd bs=1M took 0.8-0.9 daemon CPU s/GiB
	// instead of 1.0-2.2 on the development VM. Reads of a few KiB become
	// one round trip each (warm 4 KiB reads: 127 MB/s against 2,000
	// through the page cache), and shared mmap fails (ENODEV).
	DirectIO bool
	// Passthrough serves fully cached objects by FUSE passthrough: a
	// read-only open of an object whose every block is on the disk tier
	// (verified in this run) hands the kernel the cache file, which it
	// then reads without the daemon. See File.Open and ReadHandle.Whole.
	// Off by default: while a file is open that way the kernel refuses
	// other opens of it (for writing, or of a newer version), which then
	// wait and fail with EBUSY (fs/passthrough.go).
	Passthrough bool
	// WholeMax: with a disk tier, the first random read (one that does not
	// continue a stream from the start) of an object of at most
	// WholeMax bytes fetches all of it (DefaultWholeMax when zero, NoWhole
	// to turn it off), so that it is soon fully cached and opens of it are
	// served by passthrough.
	WholeMax int64
	// PrefetchFiles is how many files ahead of a reader that opens a
	// directory's files in listing order have their first block fetched
	// before they are opened (prefetch.go; DefaultPrefetchFiles when zero,
	// NoPrefetch to turn it off). It is capped so that those blocks fit a
	// quarter of MemBytes.
	PrefetchFiles int
}

// setDefaults fills zero fields.
func (c *ReadCacheConfig) setDefaults() {
	if c.MemBytes == 0 {
		c.MemBytes = DefaultCacheMemBytes
	}
	if c.DiskBytes == 0 {
		c.DiskBytes = DefaultCacheDiskBytes
	}
	if c.ReadaheadMax == 0 {
		c.ReadaheadMax = DefaultReadaheadMax
	}
	if c.MaxPrefetch == 0 {
		c.MaxPrefetch = DefaultMaxPrefetch
	}
	if c.WholeMax == 0 {
		c.WholeMax = DefaultWholeMax
	}
	if c.PrefetchFiles == 0 {
		c.PrefetchFiles = DefaultPrefetchFiles
	}
}

// validate reports settings that cannot work with blocks of blockSize.
func (c ReadCacheConfig) validate(blockSize int64) error {
	var errs []error
	if c.MemBytes < 4*blockSize {
		errs = append(errs, fmt.Errorf("cache size %d must hold at least 4 blocks of %d bytes", c.MemBytes, blockSize))
	}
	if c.DiskDir != "" && c.DiskBytes < 4*blockSize {
		errs = append(errs, fmt.Errorf("disk cache size %d must hold at least 4 blocks of %d bytes", c.DiskBytes, blockSize))
	}
	if c.DiskDir != "" && !filepath.IsAbs(c.DiskDir) {
		errs = append(errs, fmt.Errorf("cache directory %q must be an absolute path", c.DiskDir))
	}
	if c.ReadaheadMax < 0 && c.ReadaheadMax != NoReadahead {
		errs = append(errs, fmt.Errorf("readahead max %d is negative", c.ReadaheadMax))
	}
	if c.PrefetchFiles < 0 && c.PrefetchFiles != NoPrefetch {
		errs = append(errs, fmt.Errorf("prefetch files %d is negative", c.PrefetchFiles))
	}
	if c.MaxPrefetch < 0 {
		errs = append(errs, fmt.Errorf("max prefetch %d is negative", c.MaxPrefetch))
	}
	if c.WholeMax < 0 && c.WholeMax != NoWhole {
		errs = append(errs, fmt.Errorf("whole-object max %d is negative", c.WholeMax))
	}
	return errors.Join(errs...)
}

// readaheadBlocks is the effective largest window, in blocks of
// blockSize: ReadaheadMax capped at a quarter of the memory budget, and 0
// when readahead is off.
func (c ReadCacheConfig) readaheadBlocks(blockSize int64) int64 {
	if c.ReadaheadMax <= 0 {
		return 0
	}
	return max(min(c.ReadaheadMax, c.MemBytes/4)/blockSize, 1)
}

// wholeBytes is the size up to which an object is fetched whole at its
// first read: 0 without a disk tier or with WholeMax off. It is WholeMax
// capped at a quarter of each tier's budget (as readahead is): a larger
// object would evict most of the cache, and one larger than the disk
// budget its own first blocks, for a single random read.
func (c ReadCacheConfig) wholeBytes() int64 {
	if c.DiskDir == "" || c.WholeMax <= 0 {
		return 0
	}
	return min(c.WholeMax, c.DiskBytes/4, c.MemBytes/4)
}

// NewBlockCache builds a block cache from cfg's BlockSize and ReadCache
// (defaults applied, then checked), for several trees to share through
// Config.Blocks. The caller closes it after every FS using it. With a
// ReadCache.DiskDir it locks that directory: one cache per directory.
func NewBlockCache(cfg Config) (*cache.Blocks, error) {
	cfg.SetDefaults()
	if err := cfg.ReadCache.validate(cfg.BlockSize); err != nil {
		return nil, fmt.Errorf("fs: %w", err)
	}
	return newBlocks(cfg)
}

// newBlocks builds the FS's block cache from cfg.
func newBlocks(cfg Config) (*cache.Blocks, error) {
	rc := cfg.ReadCache
	return cache.NewBlocks(cache.BlockConfig{
		BlockSize:   cfg.BlockSize,
		MemBytes:    rc.MemBytes,
		DiskDir:     rc.DiskDir,
		DiskBytes:   rc.DiskBytes,
		MaxPrefetch: rc.MaxPrefetch,
		Clock:       cfg.Clock,
		Logger:      cfg.Logger,
	})
}

// prefetchFiles is the effective number of files the data-loader prefetch
// fetches ahead: PrefetchFiles, capped so that their first blocks fit a
// quarter of the memory budget; 0 when it is off.
func (c ReadCacheConfig) prefetchFiles(blockSize int64) int {
	if c.PrefetchFiles <= 0 {
		return 0
	}
	return int(min(int64(c.PrefetchFiles), max(c.MemBytes/4/blockSize, 1)))
}
