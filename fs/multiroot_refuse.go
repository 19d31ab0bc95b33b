package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// The connectors root is defined by the connectors file: nothing can be
// created, removed or renamed there, and it has no extended attributes.
// Every such call gets an explicit answer (EROFS), never ENOSYS, which the
// kernel would remember for the whole mount.

var (
	_ = (gofs.NodeSetattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeGetxattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeSetxattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeRemovexattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeListxattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeCreater)((*connectorsRoot)(nil))
	_ = (gofs.NodeMkdirer)((*connectorsRoot)(nil))
	_ = (gofs.NodeMknoder)((*connectorsRoot)(nil))
	_ = (gofs.NodeLinker)((*connectorsRoot)(nil))
	_ = (gofs.NodeSymlinker)((*connectorsRoot)(nil))
	_ = (gofs.NodeUnlinker)((*connectorsRoot)(nil))
	_ = (gofs.NodeRmdirer)((*connectorsRoot)(nil))
	_ = (gofs.NodeRenamer)((*connectorsRoot)(nil))
)

// Setattr gives EROFS.
func (r *connectorsRoot) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

// Getxattr: no extended attributes.
func (r *connectorsRoot) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, syscall.Errno(fuse.ENOATTR)
}

// Listxattr: an empty list.
func (r *connectorsRoot) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// Setxattr gives EROFS.
func (r *connectorsRoot) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return syscall.EROFS
}

// Removexattr gives EROFS.
func (r *connectorsRoot) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return syscall.EROFS
}

// Create gives EROFS.
func (r *connectorsRoot) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EROFS
}

// Mkdir gives EROFS: connectors come from the connectors file.
func (r *connectorsRoot) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Mknod gives EROFS.
func (r *connectorsRoot) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Link gives EROFS.
func (r *connectorsRoot) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Symlink gives EROFS.
func (r *connectorsRoot) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Unlink gives EROFS.
func (r *connectorsRoot) Unlink(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rmdir gives EROFS: a connector's directory cannot be removed.
func (r *connectorsRoot) Rmdir(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rename gives EROFS: a connector's directory cannot be renamed.
func (r *connectorsRoot) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return syscall.EROFS
}
