package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
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
