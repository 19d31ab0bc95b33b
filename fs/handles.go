package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// readHandle is a read-only open (vfs.ReadHandle).
type readHandle struct {
	n *fileNode
	h *vfs.ReadHandle
}

var (
	_ = (gofs.FileReader)((*readHandle)(nil))
	_ = (gofs.FileReleaser)((*readHandle)(nil))
	_ = (gofs.FileFlusher)((*readHandle)(nil))
	_ = (gofs.FileFsyncer)((*readHandle)(nil))
)

// Read replies with what the core returns: bytes, which may be a cached
// block itself, or a range of a disk-cache file, which go-fuse splices
// into /dev/fuse; either is released once written to the kernel.
func (h *readHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	res, err := h.h.ReadSpan(ctx, dest, off)
	if err != nil {
		return nil, h.n.fail("read", err)
	}
	if res.File == nil {
		return heldResult{data: res.Data, release: res.Release}, 0
	}
	span := spanResult{fd: res.File.Fd(), off: res.Off, size: res.Len, release: res.Release}
	if !spliceFits(res.Len) {
		return preadResult(span), 0
	}
	return span, 0
}

// Release closes the handle.
func (h *readHandle) Release(ctx context.Context) syscall.Errno {
	h.h.Release(ctx)
	h.n.modes.releaseOther()
	return 0
}

// Flush has nothing to do on a read-only handle.
func (h *readHandle) Flush(ctx context.Context) syscall.Errno { return 0 }

// Fsync has nothing to do on a read-only handle.
func (h *readHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// writeHandle is an open that may write (vfs.WriteHandle), and the
// process that opened it (write_owner.go).
type writeHandle struct {
	h      *vfs.WriteHandle
	opener owner
	modes  *ioModes // its node's (passthrough.go)
}

var (
	_ = (gofs.FileReader)((*writeHandle)(nil))
	_ = (gofs.FileWriter)((*writeHandle)(nil))
	_ = (gofs.FileFlusher)((*writeHandle)(nil))
	_ = (gofs.FileFsyncer)((*writeHandle)(nil))
	_ = (gofs.FileReleaser)((*writeHandle)(nil))
	_ = (gofs.FileAllocater)((*writeHandle)(nil))
)

// fail maps and logs err of operation op on the handle's file.
func (h *writeHandle) fail(op string, err error) syscall.Errno {
	f := h.h.File()
	return fail(f.FS().Logger(), op, f.Path, err)
}

// Read reads the file's current content, written or not.
func (h *writeHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.h.Read(ctx, dest, off)
	if err != nil {
		return nil, h.fail("read", err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Write writes data at off (vfs.WriteHandle.Write).
func (h *writeHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, err := h.h.Write(ctx, data, off)
	if err != nil {
		return 0, h.fail("write", err)
	}
	return uint32(n), 0
}

// Flush (every close of a descriptor) by the process that opened the file
// returns once S3 acknowledged the file's content: EIO (or EEXIST for an
// O_EXCL create that lost a race) when it could not be uploaded. A close
// by another process (a forked child) commits nothing (write_owner.go),
// nor does one of a new file that is still empty (the core's deferEmpty:
// a shell redirection closes a duplicate before anything is written).
func (h *writeHandle) Flush(ctx context.Context) syscall.Errno {
	if caller := callerPid(ctx); !h.opener.mayCommit(caller) {
		f := h.h.File()
		f.FS().Logger().Debug("flush from another process than the opener: not committing", "path", f.Path(), "pid", caller, "opener", h.opener.tid)
		return 0
	}
	if err := h.h.Flush(ctx); err != nil {
		return h.fail("flush", err)
	}
	return 0
}

// Fsync is Flush from any process: S3 has the data when it returns.
func (h *writeHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if err := h.h.Fsync(ctx); err != nil {
		return h.fail("fsync", err)
	}
	return 0
}

// Release ends the open; the last write handle commits what is left.
func (h *writeHandle) Release(ctx context.Context) syscall.Errno {
	h.h.Release(ctx)
	if h.modes != nil {
		h.modes.releaseOther()
	}
	return 0
}

// Allocate (fallocate): mode 0 extends with zeros, FALLOC_FL_KEEP_SIZE
// does nothing, other modes give EOPNOTSUPP.
func (h *writeHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	if err := h.h.Allocate(ctx, off, size, mode); err != nil {
		return h.fail("fallocate", err)
	}
	return 0
}
