package writeback

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/objfs/objfs/remote"
)

// Config sizes the write path of one mount.
type Config struct {
	// PartSize is the multipart part size for the first 1,000 parts of a
	// streaming upload; it doubles every 1,000 parts so that a 5 TiB file
	// fits in 10,000 parts. Default 8 MiB, minimum 5 MiB.
	PartSize int64
	// Concurrency is the number of part uploads in flight, across all files
	// of the mount. Default 4.
	Concurrency int
	// MemBytes is the budget for write buffers across all files. Writers
	// block (backpressure) when it is used up. Default
	// (Concurrency+2)*PartSize.
	MemBytes int64
	// SmallObject is the size up to which a staged file is committed with
	// one PutObject instead of a multipart upload. Default 2*PartSize.
	SmallObject int64
	// StageDir holds staging files (created unlinked, the directory itself
	// on first use). Default: os.TempDir.
	StageDir string
	Logger   *slog.Logger
	// Clock gives the mtime of written files (time.Now when nil).
	Clock func() time.Time
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.PartSize == 0 {
		c.PartSize = 8 << 20
	}
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	if c.MemBytes == 0 {
		c.MemBytes = int64(c.Concurrency+2) * c.PartSize
	}
	if c.SmallObject == 0 {
		c.SmallObject = 2 * c.PartSize
	}
	if c.StageDir == "" {
		c.StageDir = os.TempDir()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	switch {
	case c.PartSize < remote.MinPartSize:
		return fmt.Errorf("part size %d is below S3's minimum of 5 MiB", c.PartSize)
	case c.PartSize > 5<<30:
		return errors.New("part size above S3's maximum of 5 GiB")
	case c.Concurrency < 1:
		return errors.New("upload concurrency must be at least 1")
	case c.MemBytes < 2*c.PartSize:
		return fmt.Errorf("write memory budget %d must hold at least two parts (%d)", c.MemBytes, 2*c.PartSize)
	}
	return nil
}

// streamPartSize is the size of part n (1-based) of a streaming upload whose
// final size is unknown: base for parts 1-1000, doubling every 1000 parts.
// With an 8 MiB base the 10,000 parts hold about 8 TiB.
func streamPartSize(base int64, n int32) int64 {
	tier := (n - 1) / 1000
	size := base << tier
	if size > 5<<30 {
		size = 5 << 30
	}
	return size
}

// fixedPartSize is the part size for an object of known size: base, grown
// so that the object fits in remote.MaxParts parts.
func fixedPartSize(base, size int64) int64 {
	p := base
	for (size+p-1)/p > remote.MaxParts {
		p *= 2
	}
	return p
}
