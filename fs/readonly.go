package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// readOnlyNode gives every node explicit answers for the calls a read-only
// tree refuses or has nothing for, so that the kernel never gets ENOSYS
// (which it would remember for the whole mount). It holds no state.
type readOnlyNode struct{}

var (
	_ = (gofs.NodeSetattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeGetxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeSetxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeRemovexattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeListxattrer)((*readOnlyNode)(nil))
)

// Setattr (chmod, chown, truncate, utimens) gives EROFS.
func (readOnlyNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

// Getxattr: objects carry no extended attributes yet.
func (readOnlyNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, syscall.Errno(fuse.ENOATTR)
}

// Listxattr: an empty list.
func (readOnlyNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// Setxattr gives EROFS.
func (readOnlyNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return syscall.EROFS
}

// Removexattr gives EROFS.
func (readOnlyNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return syscall.EROFS
}

// Statfs reports a practically unlimited volume.
func (readOnlyNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	fillStatfs(out)
	return 0
}

// readOnlyDir refuses every call that would change a directory.
type readOnlyDir struct{}

var (
	_ = (gofs.NodeCreater)((*readOnlyDir)(nil))
	_ = (gofs.NodeMkdirer)((*readOnlyDir)(nil))
	_ = (gofs.NodeMknoder)((*readOnlyDir)(nil))
	_ = (gofs.NodeLinker)((*readOnlyDir)(nil))
	_ = (gofs.NodeSymlinker)((*readOnlyDir)(nil))
	_ = (gofs.NodeUnlinker)((*readOnlyDir)(nil))
	_ = (gofs.NodeRmdirer)((*readOnlyDir)(nil))
	_ = (gofs.NodeRenamer)((*readOnlyDir)(nil))
)

// Create gives EROFS.
func (readOnlyDir) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EROFS
}

// Mkdir gives EROFS.
func (readOnlyDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Mknod gives EROFS.
func (readOnlyDir) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Link gives EROFS.
func (readOnlyDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Symlink gives EROFS.
func (readOnlyDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}

// Unlink gives EROFS.
func (readOnlyDir) Unlink(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rmdir gives EROFS.
func (readOnlyDir) Rmdir(ctx context.Context, name string) syscall.Errno { return syscall.EROFS }

// Rename gives EROFS.
func (readOnlyDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return syscall.EROFS
}
