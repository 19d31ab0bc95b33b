package fs

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/fs/writeback"
)

var (
	_ = (gofs.NodeSetattrer)((*fileNode)(nil))
	_ = (gofs.NodeSetattrer)((*dirNode)(nil))
	_ = (gofs.NodeCopyFileRanger)((*fileNode)(nil))
)

// attrChange is what a SETATTR asks of a file's content and metadata;
// mode, owner and atime are accepted and not stored (objects have none).
type attrChange struct {
	size     int64
	hasSize  bool
	mtime    time.Time
	hasMtime bool
}

// changeOf reads in, with the FS's clock for "now".
func (f *FS) changeOf(in *fuse.SetAttrIn) attrChange {
	var c attrChange
	if s, ok := in.GetSize(); ok {
		c.size, c.hasSize = int64(s), true
	}
	if in.Valid&fuse.FATTR_MTIME != 0 {
		c.hasMtime = true
		c.mtime = time.Unix(int64(in.Mtime), int64(in.Mtimensec))
		if in.Valid&fuse.FATTR_MTIME_NOW != 0 {
			c.mtime = f.cfg.Clock()
		}
	}
	return c
}

// apply makes the change on writer w.
func (c attrChange) apply(ctx context.Context, w *writeback.Writer) error {
	if c.hasSize {
		if err := w.Truncate(ctx, c.size); err != nil {
			return err
		}
	}
	if c.hasMtime {
		w.SetMtime(c.mtime)
	}
	return nil
}

// Setattr: truncate (size) and utimens (mtime, kept in x-amz-meta-mtime)
// change the object; chmod, chown and atime are accepted and ignored, as
// rclone does, so that cp -p, rsync -a and tar work (objects have no owner
// or mode: those come from the mount options). Through a handle that
// writes, the change joins the writer and is committed with it; otherwise
// it is committed at once (truncate to 0 is an empty PutObject, utimens
// alone a metadata-only copy), or joins the writer of handles still open.
func (n *fileNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := n.fsys.mayChange(acl.OpWrite, n.bucket, n.objKey()); errno != 0 {
		return errno
	}
	if c := n.fsys.changeOf(in); c.hasSize || c.hasMtime {
		var errno syscall.Errno
		if _, ok := f.(*writeHandle); ok {
			errno = n.changeOpen(ctx, c)
		} else {
			errno = n.changeNow(ctx, c)
		}
		if errno != 0 {
			return errno
		}
	}
	info, ok := n.localInfo()
	if !ok {
		info = n.snapshot()
	}
	n.attr(&out.Attr, info)
	out.SetTimeout(n.fsys.cfg.statTTL())
	return 0
}

// changeOpen applies c to the writer of the open handles.
func (n *fileNode) changeOpen(ctx context.Context, c attrChange) syscall.Errno {
	n.io.RLock()
	defer n.io.RUnlock()
	w := n.liveWriter()
	if w == nil {
		return syscall.EIO
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	if err := c.apply(dctx, w); err != nil {
		return n.fsys.writeFailed("setattr", n.path(), err)
	}
	return 0
}

// changeNow applies c by path: to the writer of open handles if there is
// one (committed when they close), else through a writer of its own,
// committed before returning.
func (n *fileNode) changeNow(ctx context.Context, c attrChange) syscall.Errno {
	if n.fsys.writes.up == nil {
		return syscall.EROFS
	}
	n.io.Lock()
	defer n.io.Unlock()
	if w := n.liveWriter(); w != nil {
		dctx, cancel := n.fsys.detached(ctx)
		defer cancel()
		if err := c.apply(dctx, w); err != nil {
			return n.fsys.writeFailed("setattr", n.path(), err)
		}
		return 0
	}
	base, err := n.headBase(ctx)
	if err != nil {
		return n.fsys.fail("setattr", n.path(), err)
	}
	w := n.fsys.writes.up.Open(n.bucket, base.Key, base)
	defer w.Close()
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	if err := c.apply(dctx, w); err != nil {
		return n.fsys.writeFailed("setattr", n.path(), err)
	}
	if !w.Dirty() {
		return 0
	}
	info, err := w.Commit(dctx)
	if err != nil {
		return n.fsys.writeFailed("setattr", n.path(), err)
	}
	n.committed(info, w.Mtime())
	return 0
}

// Setattr on a directory accepts chmod, chown and utimens and stores
// nothing: S3 has no directory attributes (rsync -a and tar set them).
func (n *dirNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := n.fsys.mayChange(acl.OpWrite, n.bucket, n.prefix()); errno != 0 {
		return errno
	}
	if in.Valid&fuse.FATTR_SIZE != 0 {
		return syscall.EISDIR
	}
	n.attr(&out.Attr)
	out.SetTimeout(n.fsys.cfg.statTTL())
	return 0
}

// CopyFileRange gives EOPNOTSUPP (EROFS on a read-only tree): the kernel
// or the tool falls back to reading and writing.
func (n *fileNode) CopyFileRange(ctx context.Context, fhIn gofs.FileHandle, offIn uint64, out *gofs.Inode, fhOut gofs.FileHandle, offOut, length uint64, flags uint64) (uint32, syscall.Errno) {
	if n.fsys.cfg.ReadOnly {
		return 0, syscall.EROFS
	}
	return 0, syscall.EOPNOTSUPP
}
