package vfs

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/objfs/objfs/vfs/writeback"
)

// progressEvery is how often a long flush at shutdown logs what is left.
const progressEvery = 5 * time.Second

// writeState is the FS's write path: the uploader shared by every file
// being written, and the node generation (see gen). Both are safe for
// concurrent use; neither needs FS.mu.
type writeState struct {
	up *writeback.Uploader // nil when the tree is read-only
	// generation is the Gen of new nodes' StableAttr. It moves on every
	// unlink, rmdir and rename, so that a node created for a key after
	// one of them never merges (by equal StableAttr, in go-fuse) with the
	// node that held the key before and that the kernel may still use:
	// an open file that was unlinked, or a node renamed away whose inode
	// number came from its old key.
	generation atomic.Uint64
}

// initWrites creates the write path, unless the tree is read-only. It
// sends nothing and creates no directory.
func (f *FS) initWrites() error {
	if f.cfg.ReadOnly {
		return nil
	}
	wc := f.cfg.Write
	up, err := writeback.New(f.client, writeback.Config{
		PartSize:    wc.PartSize,
		Concurrency: wc.Concurrency,
		MemBytes:    wc.BufferBytes,
		StageDir:    wc.StageDir,
		Logger:      f.log,
		Clock:       f.cfg.Clock,
	})
	if err != nil {
		return err
	}
	f.writes.up = up
	return nil
}

// flushWrites commits every file with uncommitted changes (unmount,
// SIGTERM), logging progress while it takes long, then stops the
// uploader. It returns what could not be uploaded.
func (f *FS) flushWrites(ctx context.Context) error {
	up := f.writes.up
	if up == nil {
		return nil
	}
	if p := up.Pending(); p.Files > 0 {
		f.log.Info("flushing pending uploads", "files", p.Files, "bytes", p.Bytes)
	}
	done := make(chan struct{})
	go f.logProgress(up, done)
	err := up.CommitAll(ctx)
	close(done)
	up.Close()
	if err != nil {
		f.log.Error("pending uploads failed: those files' unsaved changes are lost", "err", err)
	}
	return err
}

// logProgress logs what is left to upload every progressEvery until done.
func (f *FS) logProgress(up *writeback.Uploader, done <-chan struct{}) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			p := up.Pending()
			f.log.Info("still uploading", "files", p.Files, "bytes", p.Bytes, "aborts_to_retry", up.Orphans())
		}
	}
}

// gen returns the generation for new nodes.
func (f *FS) gen() uint64 { return f.writes.generation.Load() }

// retire moves the generation on: a key was unlinked, removed or renamed
// away, and its old node must stay distinct from any new one.
func (f *FS) retire() { f.writes.generation.Add(1) }

// uninterruptible: every call that changes S3 (a commit, mkdir, mknod,
// symlink, unlink, rmdir, rename) runs under detached. A FUSE interrupt,
// which the Go runtime's preemption signals send often, must not cut it
// once the change may have been made, or the caller would get EINTR for a
// change that happened (and EEXIST or ENOENT when it retries).

// detached returns a context for work that must not be cut by a FUSE
// interrupt (commits, uploads): ctx's values without its cancellation,
// bounded by CommitTimeout.
func (f *FS) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), f.cfg.Write.CommitTimeout)
}
