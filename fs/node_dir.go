package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// dirNode is go-fuse's node of a vfs.Dir. Each method resolves the node,
// calls the core, and maps the error (errno.go).
type dirNode struct {
	gofs.Inode
	readOnlyNode
	d *vfs.Dir
}

var (
	_ = (gofs.NodeLookuper)((*dirNode)(nil))
	_ = (gofs.NodeOpendirHandler)((*dirNode)(nil))
	_ = (gofs.NodeGetattrer)((*dirNode)(nil))
	_ = (gofs.NodeSetattrer)((*dirNode)(nil))
	_ = (gofs.NodeStatfser)((*dirNode)(nil))
	_ = (gofs.NodeCreater)((*dirNode)(nil))
	_ = (gofs.NodeMkdirer)((*dirNode)(nil))
	_ = (gofs.NodeMknoder)((*dirNode)(nil))
	_ = (gofs.NodeLinker)((*dirNode)(nil))
	_ = (gofs.NodeSymlinker)((*dirNode)(nil))
	_ = (gofs.NodeUnlinker)((*dirNode)(nil))
	_ = (gofs.NodeRmdirer)((*dirNode)(nil))
	_ = (gofs.NodeRenamer)((*dirNode)(nil))
	_ = (gofs.NodeGetxattrer)((*dirNode)(nil))
	_ = (gofs.NodeSetxattrer)((*dirNode)(nil))
	_ = (gofs.NodeRemovexattrer)((*dirNode)(nil))
	_ = (gofs.NodeOnForgetter)((*dirNode)(nil))
)

// fail maps and logs err of operation op on name in this directory.
func (n *dirNode) fail(op, name string, err error) syscall.Errno {
	return fail(n.d.FS().Logger(), op, func() string { return n.d.Path(name) }, err)
}

// ttl is how long the kernel may trust an answer.
func (n *dirNode) ttl() fuse.EntryOut {
	var out fuse.EntryOut
	t := n.d.FS().Config().AttrTimeout()
	out.SetEntryTimeout(t)
	out.SetAttrTimeout(t)
	return out
}

// inode returns go-fuse's node for the core's child ch named name: the
// one go-fuse has when it serves the same core node, else a new one
// (go-fuse itself merges nodes with equal inode number and generation).
// When go-fuse still serves a twin of ch (the core forgot it while a
// lookup revived it), the core takes that one back, so both trees agree.
func (n *dirNode) inode(ctx context.Context, name string, ch vfs.Node, out *fuse.EntryOut) *gofs.Inode {
	if in := n.GetChild(name); in != nil {
		if old := coreNode(in); old == ch {
			fillEntry(in, out, n.ttl())
			return in
		} else if old != nil && old.Ino() == ch.Ino() && old.Gen() == ch.Gen() && old.IsDir() == ch.IsDir() {
			n.d.Keep(name, old)
			fillEntry(in, out, n.ttl())
			return in
		}
	}
	var ops gofs.InodeEmbedder
	mode := uint32(syscall.S_IFREG)
	switch c := ch.(type) {
	case *vfs.Dir:
		ops, mode = &dirNode{d: c}, syscall.S_IFDIR
	case *vfs.File:
		ops = &fileNode{f: c}
	case *vfs.Symlink:
		ops, mode = &symlinkNode{l: c}, syscall.S_IFLNK
	}
	in := n.NewInode(ctx, ops, gofs.StableAttr{Mode: mode, Ino: ch.Ino(), Gen: ch.Gen()})
	fillEntry(in, out, n.ttl())
	return in
}

// coreNode returns the core node go-fuse's node in serves, or nil.
func coreNode(in *gofs.Inode) vfs.Node {
	switch op := in.Operations().(type) {
	case *dirNode:
		return op.d
	case *fileNode:
		return op.f
	case *symlinkNode:
		return op.l
	}
	return nil
}

// fillEntry fills out for child, with the kernel's cache timeouts of ttl.
func fillEntry(child *gofs.Inode, out *fuse.EntryOut, ttl fuse.EntryOut) {
	switch op := child.Operations().(type) {
	case *dirNode:
		fuseAttr(&out.Attr, op.d.Attr(), child.StableAttr().Ino)
	case *fileNode:
		fuseAttr(&out.Attr, op.f.KnownAttr(), child.StableAttr().Ino)
	case *symlinkNode:
		fuseAttr(&out.Attr, op.l.Attr(), child.StableAttr().Ino)
	}
	out.EntryValid, out.EntryValidNsec = ttl.EntryValid, ttl.EntryValidNsec
	out.AttrValid, out.AttrValidNsec = ttl.AttrValid, ttl.AttrValidNsec
}

// Lookup finds name (vfs.Dir.Lookup).
func (n *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ch, err := n.d.Lookup(ctx, name)
	if err != nil {
		return nil, n.fail("lookup", name, err)
	}
	return n.inode(ctx, name, ch, out), 0
}

// Getattr answers stat: directories have no attributes in S3 to fetch.
func (n *dirNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	fuseAttr(&out.Attr, n.d.Attr(), n.StableAttr().Ino)
	out.SetTimeout(n.d.FS().Config().AttrTimeout())
	return 0
}

// Setattr stores chmod and chown in the directory's marker; utimens is
// accepted and not stored (vfs.Dir.SetAttr).
func (n *dirNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	a, err := n.d.SetAttr(ctx, changeOf(in))
	if err != nil {
		return n.fail("setattr", "", err)
	}
	fuseAttr(&out.Attr, a, n.StableAttr().Ino)
	out.SetTimeout(n.d.FS().Config().AttrTimeout())
	return 0
}

// OpendirHandle opens a directory stream; the listing happens on the first
// read.
func (n *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	return &dirHandle{n: n, s: n.d.OpenStream()}, 0, 0
}

// Create creates a file and opens it for writing (vfs.Dir.Create).
func (n *dirNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	f, h, err := n.d.CreateAttrs(ctx, name, flags&syscall.O_EXCL != 0, newAttrs(ctx, mode))
	if err != nil {
		return nil, nil, 0, n.fail("create", name, err)
	}
	in := n.inode(ctx, name, f, out)
	wh := &writeHandle{h: h, opener: openerOf(ctx)}
	if fn, ok := in.Operations().(*fileNode); ok {
		// A created name has no open passthrough handle, unless the
		// core handed back a node the kernel still has open that way.
		if !fn.modes.openOther(ctx, 0) {
			h.Release(ctx)
			return nil, nil, 0, n.fail("create", name, errPassthroughBusy)
		}
		wh.modes = &fn.modes
	}
	return in, wh, 0, 0
}

// Mknod creates an empty regular file; other kinds give EPERM.
func (n *dirNode) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	f, err := n.d.MknodAttrs(ctx, name, mode, newAttrs(ctx, mode))
	if err != nil {
		return nil, n.fail("mknod", name, err)
	}
	return n.inode(ctx, name, f, out), 0
}

// Mkdir creates a directory (a bucket at the root of s3://).
func (n *dirNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	d, err := n.d.MkdirAttrs(ctx, name, newAttrs(ctx, mode))
	if err != nil {
		return nil, n.fail("mkdir", name, err)
	}
	return n.inode(ctx, name, d, out), 0
}

// Unlink deletes the object; open handles keep working.
func (n *dirNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if err := n.d.Unlink(ctx, name); err != nil {
		return n.fail("unlink", name, err)
	}
	return 0
}

// Rmdir removes an empty directory (an empty bucket at the root of s3://).
func (n *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	if err := n.d.Rmdir(ctx, name); err != nil {
		return n.fail("rmdir", name, err)
	}
	return 0
}

// Rename moves a file or a directory (vfs.Dir.Rename); a target outside
// every tree (the connectors root) gives EXDEV.
func (n *dirNode) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	var dst *vfs.Dir
	if d, ok := newParent.(*dirNode); ok {
		dst = d.d
	}
	if err := n.d.Rename(ctx, name, dst, newName, flags); err != nil {
		return n.fail("rename", name, err)
	}
	return 0
}

// Link gives EPERM: objects cannot share content by name.
func (n *dirNode) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, n.fail("link", name, n.d.RefuseLink(name))
}

// Symlink creates a symbolic link (vfs.Dir.Symlink).
func (n *dirNode) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	l, err := n.d.Symlink(ctx, target, name)
	if err != nil {
		return nil, n.fail("symlink", name, err)
	}
	return n.inode(ctx, name, l, out), 0
}

// Getxattr: directories have no extended attributes (noXattr).
func (n *dirNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, noXattr(n.d.FS())
}

// Setxattr: EROFS where nothing may change; accepted without effect for
// user.s3. names when extended attributes are on (ENODATA for
// XATTR_REPLACE: a directory shows none); else EOPNOTSUPP
// (vfs.Dir.SetXattr).
func (n *dirNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return n.fail("setxattr", "", n.d.SetXattr(attr, xattrFlag(flags)))
}

// Removexattr: as Setxattr; ENODATA for a user.s3. name, since a
// directory shows none.
func (n *dirNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return n.fail("removexattr", "", n.d.RemoveXattr(attr))
}

// OnForget tells the core the kernel dropped the node.
func (n *dirNode) OnForget() { n.d.FS().Forget(n.d) }

// newAttrs is the mode and owner a node created by the caller of ctx
// gets: the mode the kernel passed (its umask applied) and the caller's
// uid and gid; nil when go-fuse gives no caller (the mount's defaults
// then apply).
func newAttrs(ctx context.Context, mode uint32) *vfs.NewAttrs {
	caller, ok := fuse.FromContext(ctx)
	if !ok {
		return nil
	}
	return &vfs.NewAttrs{Mode: mode & 0o7777, UID: caller.Uid, GID: caller.Gid}
}
