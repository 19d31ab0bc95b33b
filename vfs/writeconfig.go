package vfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/objfs/objfs/remote"
)

// Defaults for WriteConfig. Eight MiB parts and four uploads in flight are
// what mountpoint-s3 and the AWS CLI use; the buffer budget lets the four
// uploads run while the writer fills the next two parts.
const (
	DefaultPartSize          int64         = 8 << 20
	DefaultUploadConcurrency               = 4
	DefaultCommitTimeout     time.Duration = 30 * time.Minute
)

// WriteConfig sizes the write path (vfs/writeback). Zero values mean the
// defaults. It is ignored when Config.ReadOnly is set.
type WriteConfig struct {
	// PartSize is the multipart part size (DefaultPartSize; at least 5
	// MiB). It grows for very large files so that 5 TiB fits in 10,000
	// parts.
	PartSize int64
	// Concurrency is the number of part uploads in flight for the whole
	// mount (DefaultUploadConcurrency).
	Concurrency int
	// BufferBytes bounds the memory of write buffers for the whole mount:
	// writers wait when it is used up. Default (Concurrency+2)*PartSize;
	// at least two parts.
	BufferBytes int64
	// StageDir holds the staging files of appends, overwrites in place and
	// random writes (created unlinked, so nothing is left after a crash).
	// Default: DefaultStageDir().
	StageDir string
	// CommitTimeout bounds one commit (close, fsync, or a rename or
	// truncate that uploads), detached from the FUSE request so that an
	// interrupt cannot cut an upload in half (DefaultCommitTimeout). Every
	// request inside it has its own deadline in remote.
	CommitTimeout time.Duration
}

// DefaultStageDir is the staging directory when none is configured:
// staging under $XDG_CACHE_HOME/objfs (~/.cache/objfs), the directory
// --cache-dir defaults to.
func DefaultStageDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "objfs", "staging")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "objfs", "staging")
	}
	return filepath.Join(os.TempDir(), "objfs-cache", "staging")
}

// setDefaults fills zero fields.
func (c *WriteConfig) setDefaults() {
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultUploadConcurrency
	}
	if c.BufferBytes == 0 {
		c.BufferBytes = int64(c.Concurrency+2) * c.PartSize
	}
	if c.StageDir == "" {
		c.StageDir = DefaultStageDir()
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
}

// validate reports settings that cannot work.
func (c WriteConfig) validate() error {
	var errs []error
	if c.PartSize < remote.MinPartSize || c.PartSize > 5<<30 {
		errs = append(errs, fmt.Errorf("part size %d must be between 5 MiB and 5 GiB (S3's limits)", c.PartSize))
	}
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("upload concurrency %d must be at least 1", c.Concurrency))
	}
	if c.BufferBytes < 2*c.PartSize {
		errs = append(errs, fmt.Errorf("write buffer size %d must hold at least two parts of %d bytes", c.BufferBytes, c.PartSize))
	}
	if !filepath.IsAbs(c.StageDir) {
		errs = append(errs, fmt.Errorf("staging directory %q must be an absolute path", c.StageDir))
	}
	if c.CommitTimeout < 0 {
		errs = append(errs, errors.New("commit timeout must not be negative"))
	}
	return errors.Join(errs...)
}

// StagingDir returns the staging directory under a cache directory, the
// layout objfs uses: DIR/staging for writes next to DIR/blocks for the
// disk block cache.
func StagingDir(cacheDir string) string { return filepath.Join(cacheDir, "staging") }
