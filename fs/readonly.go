package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// readOnlyNode gives every node the answers that do not depend on the
// node or the mount: no extended attributes (directories and links; files
// answer their object's, node_file.go), and statfs. It holds no state.
// (Every call the kernel may send gets an explicit answer, never ENOSYS,
// which the kernel would remember for the whole mount: one ENOSYS from a
// getxattr would hide every file's attributes.)
type readOnlyNode struct{}

var (
	_ = (gofs.NodeGetxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeListxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeStatfser)((*readOnlyNode)(nil))
)

// Getxattr: ENODATA (errNoAttr), at once.
func (readOnlyNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, errNoAttr
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

// copyXattr answers a getxattr or listxattr of value: ERANGE with the size
// when dest is too small, which is also the size query's answer (an empty
// dest: go-fuse turns that ERANGE into the size).
func copyXattr(dest, value []byte) (uint32, syscall.Errno) {
	if len(dest) < len(value) {
		return uint32(len(value)), syscall.ERANGE
	}
	return uint32(copy(dest, value)), 0
}

// xattrNames is listxattr's answer for xs: each name NUL-terminated.
func xattrNames(xs []vfs.Xattr) []byte {
	var b []byte
	for _, x := range xs {
		b = append(b, x.Name...)
		b = append(b, 0)
	}
	return b
}
