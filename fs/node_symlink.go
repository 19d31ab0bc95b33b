package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// symlinkNode is go-fuse's node of a vfs.Symlink.
type symlinkNode struct {
	gofs.Inode
	readOnlyNode
	l *vfs.Symlink
}

var (
	_ = (gofs.NodeGetattrer)((*symlinkNode)(nil))
	_ = (gofs.NodeGetxattrer)((*symlinkNode)(nil))
	_ = (gofs.NodeReadlinker)((*symlinkNode)(nil))
	_ = (gofs.NodeSetattrer)((*symlinkNode)(nil))
	_ = (gofs.NodeStatfser)((*symlinkNode)(nil))
	_ = (gofs.NodeOnForgetter)((*symlinkNode)(nil))
)

// fail maps and logs err of operation op on the link.
func (n *symlinkNode) fail(op string, err error) syscall.Errno {
	return fail(n.l.FS().Logger(), op, n.l.Path, err)
}

// Getattr answers lstat (vfs.Symlink.Attr).
func (n *symlinkNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	fuseAttr(&out.Attr, n.l.Attr(), n.StableAttr().Ino)
	out.SetTimeout(n.l.FS().Config().AttrTimeout())
	return 0
}

// Readlink returns the target (vfs.Symlink.Readlink).
func (n *symlinkNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	t, err := n.l.Readlink(ctx)
	if err != nil {
		return nil, n.fail("readlink", err)
	}
	return []byte(t), 0
}

// Setattr: lutimes stores the link's mtime; lchown is accepted and
// changes nothing (vfs.Symlink.SetAttr).
func (n *symlinkNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	a, err := n.l.SetAttr(ctx, changeOf(in))
	if err != nil {
		return n.fail("setattr", err)
	}
	fuseAttr(&out.Attr, a, n.StableAttr().Ino)
	out.SetTimeout(n.l.FS().Config().AttrTimeout())
	return 0
}

// Getxattr: links have no extended attributes (noXattr).
func (n *symlinkNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, noXattr(n.l.FS())
}

// OnForget tells the core the kernel dropped the node.
func (n *symlinkNode) OnForget() { n.l.FS().Forget(n.l) }
