package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/fs/writeback"
)

// writeHandle is one open of a file that may write (O_WRONLY, O_RDWR, or
// O_TRUNC). It reads and writes through the node's shared writer, which
// lives as long as a write handle is open; its only state is the thread
// that opened it (see write_owner.go).
type writeHandle struct {
	n      *fileNode
	opener owner // the process of the FUSE caller of open or create
}

var (
	_ = (gofs.FileReader)((*writeHandle)(nil))
	_ = (gofs.FileWriter)((*writeHandle)(nil))
	_ = (gofs.FileFlusher)((*writeHandle)(nil))
	_ = (gofs.FileFsyncer)((*writeHandle)(nil))
	_ = (gofs.FileReleaser)((*writeHandle)(nil))
	_ = (gofs.FileAllocater)((*writeHandle)(nil))
)

// openWrite opens the file for writing: the node's writer is created over
// the current object (one HEAD) by the first such open and shared by the
// others. O_TRUNC empties it (the kernel also sends a truncate, since objfs
// does not ask for atomic O_TRUNC).
func (n *fileNode) openWrite(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if errno := n.fsys.mayChange(acl.OpWrite, n.bucket, n.objKey()); errno != 0 {
		return nil, 0, errno
	}
	if n.fsys.writes.up == nil {
		return nil, 0, syscall.EROFS
	}
	w, err := n.acquireWriter(ctx)
	if err != nil {
		return nil, 0, n.fsys.fail("open", n.path(), err)
	}
	h := &writeHandle{n: n, opener: openerOf(ctx)}
	if flags&syscall.O_TRUNC != 0 {
		if errno := n.truncate(ctx, w, 0); errno != 0 {
			h.Release(ctx)
			return nil, 0, errno
		}
	}
	return h, 0, 0
}

// truncate sets the size of the file through writer w.
func (n *fileNode) truncate(ctx context.Context, w *writeback.Writer, size int64) syscall.Errno {
	n.io.RLock()
	defer n.io.RUnlock()
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	if err := w.Truncate(dctx, size); err != nil {
		return n.fsys.writeFailed("truncate", n.path(), err)
	}
	return 0
}

// Read reads the file's current content, written or not.
func (h *writeHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	w := h.n.liveWriter()
	if w == nil {
		return nil, syscall.EIO
	}
	return h.n.readWriter(ctx, w, dest, off)
}

// Write writes data at off into the writer: buffered and uploaded in
// parts as it goes for sequential writes, staged locally otherwise. An
// upload that failed makes this and every later write fail with EIO.
func (h *writeHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n := h.n
	n.io.RLock()
	defer n.io.RUnlock()
	w := n.liveWriter()
	if w == nil {
		return 0, syscall.EIO
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	got, err := w.WriteAt(dctx, data, off)
	if err != nil {
		return 0, n.fsys.writeFailed("write", n.path(), err)
	}
	return uint32(got), 0
}

// Flush (every close of a descriptor) by the process that opened the file
// returns once S3 acknowledged the file's content: EIO (or EEXIST for an
// O_EXCL create that lost a race) when it could not be uploaded. A close
// by another process (a forked child) commits nothing (write_owner.go).
func (h *writeHandle) Flush(ctx context.Context) syscall.Errno {
	if caller := callerPid(ctx); !h.opener.mayCommit(caller) {
		h.n.fsys.log.Debug("flush from another process than the opener: not committing", "path", h.n.path(), "pid", caller, "opener", h.opener.tid)
		return 0
	}
	h.n.io.RLock()
	defer h.n.io.RUnlock()
	return h.n.commit(ctx, "flush")
}

// Fsync is Flush: S3 has the data when it returns.
func (h *writeHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	h.n.io.RLock()
	defer h.n.io.RUnlock()
	return h.n.commit(ctx, "fsync")
}

// Release ends the open; the last write handle commits what is left and
// closes the writer.
func (h *writeHandle) Release(ctx context.Context) syscall.Errno {
	h.n.releaseWriter(ctx)
	return 0
}

// Allocate (fallocate) with mode 0 extends the file with zeros; with
// FALLOC_FL_KEEP_SIZE it has nothing to reserve. Punching holes and the
// other modes give EOPNOTSUPP.
func (h *writeHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	const keepSize = 0x01 // FALLOC_FL_KEEP_SIZE
	switch mode {
	case keepSize:
		return 0
	case 0:
	default:
		return syscall.EOPNOTSUPP
	}
	w := h.n.liveWriter()
	if w == nil {
		return syscall.EIO
	}
	if end := int64(off + size); end > w.Size() {
		return h.n.truncate(ctx, w, end)
	}
	return 0
}
