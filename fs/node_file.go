package fs

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// fileNode is go-fuse's node of a vfs.File.
type fileNode struct {
	gofs.Inode
	readOnlyNode
	f     *vfs.File
	modes ioModes // passthrough.go
}

var (
	_ = (gofs.NodeGetattrer)((*fileNode)(nil))
	_ = (gofs.NodeOpener)((*fileNode)(nil))
	_ = (gofs.NodeStatfser)((*fileNode)(nil))
	_ = (gofs.NodeSetattrer)((*fileNode)(nil))
	_ = (gofs.NodeCopyFileRanger)((*fileNode)(nil))
	_ = (gofs.NodeGetxattrer)((*fileNode)(nil))
	_ = (gofs.NodeListxattrer)((*fileNode)(nil))
	_ = (gofs.NodeSetxattrer)((*fileNode)(nil))
	_ = (gofs.NodeRemovexattrer)((*fileNode)(nil))
	_ = (gofs.NodeOnForgetter)((*fileNode)(nil))
)

// fail maps and logs err of operation op on the file.
func (n *fileNode) fail(op string, err error) syscall.Errno {
	return fail(n.f.FS().Logger(), op, n.f.Path, err)
}

// Getattr answers stat (vfs.File.Attr).
func (n *fileNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	a, err := n.f.Attr(ctx)
	if err != nil {
		return n.fail("getattr", err)
	}
	fuseAttr(&out.Attr, a, n.StableAttr().Ino)
	out.SetTimeout(n.f.FS().Config().AttrTimeout())
	return 0
}

// Open opens the file (vfs.File.Open). A read-only handle has nothing to
// flush: FOPEN_NOFLUSH spares every close(2) a round trip through the
// daemon (kernels before 5.16 ignore it and send the FLUSH, answered at
// once). A read-only open of a fully cached object may be a passthrough
// one; other opens wait for the inode's passthrough opens to close
// (passthrough.go).
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	writing := int(flags)&syscall.O_ACCMODE != syscall.O_RDONLY || int(flags)&syscall.O_TRUNC != 0
	if writing && !n.modes.openOther(ctx, passthroughWait) {
		return nil, 0, n.fail("open", errPassthroughBusy)
	}
	h, how, err := n.f.Open(ctx, int(flags))
	if err != nil {
		if writing {
			n.modes.releaseOther()
		}
		return nil, 0, n.fail("open", err)
	}
	switch h := h.(type) {
	case *vfs.WriteHandle:
		if how.AttrChanged {
			_ = n.NotifyContent(-1, 0) // as for a read handle below
		}
		return &writeHandle{h: h, opener: openerOf(ctx), modes: &n.modes}, 0, 0
	case *vfs.ReadHandle:
		fuseFlags := uint32(fuse.FOPEN_NOFLUSH)
		if how.AttrChanged {
			// The kernel's size may be the old version's: make it ask
			// (GETATTR) before it ends a read there. Attributes only
			// (offset -1): no inode lock is taken, safe within OPEN.
			_ = n.NotifyContent(-1, 0)
		}
		if ph, ok := n.tryPassthrough(h); ok {
			return ph, fuseFlags, 0
		}
		if !n.modes.openOther(ctx, passthroughWait) {
			h.Release(ctx)
			return nil, 0, n.fail("open", errPassthroughBusy)
		}
		switch {
		case how.Direct:
			fuseFlags |= fuse.FOPEN_DIRECT_IO
		case how.Keep:
			fuseFlags |= fuse.FOPEN_KEEP_CACHE
		}
		return &readHandle{n: n, h: h}, fuseFlags, 0
	}
	h.Release(ctx)
	if writing {
		n.modes.releaseOther()
	}
	return nil, 0, syscall.EIO
}

// changeOf reads a SETATTR's size, mtime, mode and owner.
func changeOf(in *fuse.SetAttrIn) vfs.AttrChange {
	var c vfs.AttrChange
	if s, ok := in.GetSize(); ok {
		c.Size, c.HasSize = int64(s), true
	}
	if m, ok := in.GetMode(); ok {
		c.Mode, c.HasMode = m&0o7777, true
	}
	if u, ok := in.GetUID(); ok {
		c.UID, c.HasUID = u, true
	}
	if g, ok := in.GetGID(); ok {
		c.GID, c.HasGID = g, true
	}
	if in.Valid&fuse.FATTR_MTIME != 0 {
		c.HasMtime = true
		c.Mtime = time.Unix(int64(in.Mtime), int64(in.Mtimensec))
		c.MtimeNow = in.Valid&fuse.FATTR_MTIME_NOW != 0
	}
	return c
}

// Setattr: truncate, utimens, chmod and chown change the object; atime
// is accepted and ignored (vfs.File.SetAttr).
func (n *fileNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	_, viaWriter := fh.(*writeHandle)
	a, err := n.f.SetAttr(ctx, changeOf(in), viaWriter)
	if err != nil {
		return n.fail("setattr", err)
	}
	fuseAttr(&out.Attr, a, n.StableAttr().Ino)
	out.SetTimeout(n.f.FS().Config().AttrTimeout())
	return 0
}

// CopyFileRange gives EOPNOTSUPP (EROFS on a read-only tree): the kernel
// or the tool falls back to reading and writing.
func (n *fileNode) CopyFileRange(ctx context.Context, fhIn gofs.FileHandle, offIn uint64, out *gofs.Inode, fhOut gofs.FileHandle, offOut, length uint64, flags uint64) (uint32, syscall.Errno) {
	return 0, n.fail("copy_file_range", n.f.CopyFileRange())
}

// Getxattr answers one of the object's attributes (vfs.File.Xattr):
// ENODATA at once for a name outside user.s3.; ENOSYS when extended
// attributes are off (noXattr).
func (n *fileNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if !n.f.FS().Config().Xattrs {
		return 0, noXattr(n.f.FS())
	}
	v, err := n.f.Xattr(ctx, attr)
	if err != nil {
		return 0, n.fail("getxattr", err)
	}
	return copyXattr(dest, []byte(v))
}

// Listxattr lists the object's attributes (vfs.File.XattrNames): a size
// query (empty dest) may HEAD the object for the complete list; a read
// of the list into a buffer sends nothing.
func (n *fileNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	names, err := n.f.XattrNames(ctx, len(dest) == 0)
	if err != nil {
		return 0, n.fail("listxattr", err)
	}
	return copyXattr(dest, xattrNames(names))
}

// Setxattr: EROFS where nothing may change; accepted without effect for
// user.s3. names when extended attributes are on (EEXIST for
// XATTR_CREATE of a name the file shows, ENODATA for XATTR_REPLACE of
// one it does not); else EOPNOTSUPP (vfs.File.SetXattr).
func (n *fileNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return n.fail("setxattr", n.f.SetXattr(ctx, attr, xattrFlag(flags)))
}

// Removexattr: as Setxattr; ENODATA for a name the file does not show.
func (n *fileNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return n.fail("removexattr", n.f.RemoveXattr(ctx, attr))
}

// OnForget tells the core the kernel dropped the node.
func (n *fileNode) OnForget() { n.f.FS().Forget(n.f) }
