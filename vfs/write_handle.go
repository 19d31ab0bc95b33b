package vfs

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"syscall"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/vfs/writeback"
)

// WriteHandle is one open of a file that may write (O_WRONLY, O_RDWR, or
// O_TRUNC). It reads and writes through the node's shared writer, which
// lives as long as a write handle is open. Which closes may commit (the
// opener's) is the adapter's business.
type WriteHandle struct {
	n *File
	// stale, when not 0, is 1 + where the kernel will send the next
	// O_APPEND write while the size it holds is stale: a lookup may have
	// answered it from a listing of an older version (up to ListTTL
	// old), while the writer starts from the object its HEAD found. A
	// write there goes to the writer's end instead (and moves the mark by
	// its length, as the kernel moves its size); a write anywhere else
	// (O_APPEND cleared with fcntl) ends this. 0 (the zero value) when
	// the sizes agreed at open: writes go where the kernel sends them.
	// Atomic: the kernel sends one write of an inode at a time, but the
	// race detector cannot see that.
	stale atomic.Int64
}

// File returns the handle's file.
func (h *WriteHandle) File() *File { return h.n }

// openWrite opens the file for writing: the node's writer is created over
// the current object (one HEAD) by the first such open and shared by the
// others. O_TRUNC empties it (the kernel also sends a truncate, since objfs
// does not ask for atomic O_TRUNC). changed reports that the writer's size
// is not the one lookups answered (another client wrote a new version
// since): the kernel's size is stale (see OpenFlags.AttrChanged).
func (n *File) openWrite(ctx context.Context, flags int) (h *WriteHandle, changed bool, err error) {
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, n.objKey()); err != nil {
		return nil, false, err
	}
	if n.fsys.writes.up == nil {
		return nil, false, ErrReadOnly
	}
	n.fsys.attach(n)
	before := n.snapshot() // the size lookups answered
	w, err := n.acquireWriter(ctx)
	if err != nil {
		return nil, false, err
	}
	h = &WriteHandle{n: n}
	changed = flags&syscall.O_TRUNC == 0 && w.Size() != before.size
	if changed && flags&syscall.O_APPEND != 0 {
		h.stale.Store(before.size + 1)
	}
	if flags&syscall.O_TRUNC != 0 {
		if err := h.truncate(ctx, 0); err != nil {
			h.Release(ctx)
			return nil, false, err
		}
	}
	return h, changed, nil
}

// truncate sets the size of the file through its writer.
func (h *WriteHandle) truncate(ctx context.Context, size int64) error {
	return h.n.withWriter(ctx, "truncate", func(ctx context.Context, w *writeback.Writer) error {
		return w.Truncate(ctx, size)
	})
}

// withWriter runs fn on the node's writer, for a change through a write
// handle: under a shared io lock, detached from the request's
// interruption (bounded by CommitTimeout), its failure a *WriteError of
// op. ErrIO when no handle writes.
func (n *File) withWriter(ctx context.Context, op string, fn func(context.Context, *writeback.Writer) error) error {
	n.io.RLock()
	defer n.io.RUnlock()
	w := n.liveWriter()
	if w == nil {
		return ErrIO
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	return writeFailed(op, fn(dctx, w))
}

// Read reads the file's current content, written or not; fewer bytes than
// dest at the end of the file.
func (h *WriteHandle) Read(ctx context.Context, dest []byte, off int64) (int, error) {
	w := h.n.liveWriter()
	if w == nil {
		return 0, ErrIO
	}
	return h.n.readWriter(ctx, w, dest, off)
}

// errWriterGone: the writer a read chose ended before the read could use
// it (see readWriter).
var errWriterGone = errors.New("the file's writer ended")

// readWriter reads through the writer: the file's current content. A read
// handle may have chosen w just before the last write handle's release
// took the io lock to commit and close it: errWriterGone then.
func (n *File) readWriter(ctx context.Context, w *writeback.Writer, dest []byte, off int64) (int, error) {
	n.io.RLock()
	defer n.io.RUnlock()
	if n.liveWriter() != w {
		return 0, errWriterGone
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	got, err := w.ReadAt(dctx, dest, off)
	if err != nil && err != io.EOF {
		return 0, writeFailed("read", err)
	}
	return got, nil
}

// Write writes data at off into the writer: buffered and uploaded in
// parts as it goes for sequential writes, staged locally otherwise. An
// upload that failed makes this and every later write fail.
func (h *WriteHandle) Write(ctx context.Context, data []byte, off int64) (int, error) {
	if err := checkSize(off + int64(len(data))); err != nil {
		return 0, err
	}
	var got int
	var tooBig error
	err := h.n.withWriter(ctx, "write", func(ctx context.Context, w *writeback.Writer) (err error) {
		if mark := h.stale.Load(); mark != 0 { // the kernel sends one write of an inode at a time
			if off != mark-1 {
				h.stale.Store(0)
			} else {
				h.stale.Store(mark + int64(len(data)))
				off = w.Size()
				if tooBig = checkSize(off + int64(len(data))); tooBig != nil {
					return nil
				}
			}
		}
		got, err = w.WriteAt(ctx, data, off)
		return err
	})
	if tooBig != nil {
		return 0, tooBig
	}
	if err != nil {
		return 0, err
	}
	return got, nil
}

// Flush returns once S3 acknowledged the file's content (every close by
// the opener): an error when it could not be uploaded (ErrExists within
// it for an O_EXCL create that lost a race). A new file still empty is
// left for a later flush, fsync or the last release (deferEmpty).
func (h *WriteHandle) Flush(ctx context.Context) error {
	h.n.io.RLock()
	defer h.n.io.RUnlock()
	return h.n.commit(ctx, "flush")
}

// Fsync is Flush: S3 has the data when it returns.
func (h *WriteHandle) Fsync(ctx context.Context) error {
	h.n.io.RLock()
	defer h.n.io.RUnlock()
	return h.n.commit(ctx, "fsync")
}

// Release ends the open; the last write handle commits what is left and
// closes the writer.
func (h *WriteHandle) Release(ctx context.Context) {
	h.n.releaseWriter(ctx)
}

// Allocate (fallocate) with mode 0 extends the file with zeros; with
// FALLOC_FL_KEEP_SIZE it has nothing to reserve. Punching holes and the
// other modes are ErrNotSupported.
func (h *WriteHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) error {
	const keepSize = 0x01 // FALLOC_FL_KEEP_SIZE
	switch mode {
	case keepSize:
		return nil
	case 0:
	default:
		return ErrNotSupported
	}
	if off > MaxFileSize || size > MaxFileSize {
		return ErrFileTooBig
	}
	if err := checkSize(int64(off + size)); err != nil {
		return err
	}
	w := h.n.liveWriter()
	if w == nil {
		return ErrIO
	}
	if end := int64(off + size); end > w.Size() {
		return h.truncate(ctx, end)
	}
	return nil
}
