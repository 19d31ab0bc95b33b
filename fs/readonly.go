package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/acl"
)

// readOnlyNode gives every node the answers that do not depend on the
// node or the mount: no extended attributes to read, and statfs. It holds
// no state. (Every call the kernel may send gets an explicit answer, never
// ENOSYS, which the kernel would remember for the whole mount.)
type readOnlyNode struct{}

var (
	_ = (gofs.NodeGetxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeListxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeStatfser)((*readOnlyNode)(nil))
	_ = (gofs.NodeSetxattrer)((*fileNode)(nil))
	_ = (gofs.NodeRemovexattrer)((*fileNode)(nil))
	_ = (gofs.NodeSetxattrer)((*dirNode)(nil))
	_ = (gofs.NodeRemovexattrer)((*dirNode)(nil))
)

// Getxattr: objects carry no extended attributes, and the tree says so
// once for the whole mount: ENOSYS makes the kernel answer every later
// getxattr itself (EOPNOTSUPP). This is not a runtime failure, which must
// never be ENOSYS (DESIGN lesson 6), but a permanent "not supported"; and
// it spares `ls -l` two round trips per file (it asks for
// security.selinux and system.posix_acl_access), two thirds of the FUSE
// requests of a cached `ls -l`.
func (readOnlyNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, syscall.ENOSYS
}

// Listxattr: an empty list.
func (readOnlyNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// Statfs reports a practically unlimited volume.
func (readOnlyNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	fillStatfs(out)
	return 0
}

// refuseXattr answers setxattr and removexattr: EROFS where nothing may
// change, else EOPNOTSUPP (extended attributes are not stored; cp -a and
// rsync -X then carry on without them).
func (f *FS) refuseXattr(bucket, key string) syscall.Errno {
	if errno := f.mayChange(acl.OpWrite, bucket, key); errno != 0 {
		return errno
	}
	return syscall.EOPNOTSUPP
}

// Setxattr: see refuseXattr.
func (n *fileNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return n.fsys.refuseXattr(n.bucket, n.objKey())
}

// Removexattr: see refuseXattr.
func (n *fileNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return n.fsys.refuseXattr(n.bucket, n.objKey())
}

// Setxattr: see refuseXattr.
func (n *dirNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return n.fsys.refuseXattr(n.bucket, n.prefix())
}

// Removexattr: see refuseXattr.
func (n *dirNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return n.fsys.refuseXattr(n.bucket, n.prefix())
}
