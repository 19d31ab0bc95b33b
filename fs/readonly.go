package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
	"golang.org/x/sys/unix"
)

// readOnlyNode gives every node the answers that do not depend on the
// node: an empty list of extended attributes (directories and links;
// files list their object's, node_file.go), and statfs. It holds no
// state. (Every call the kernel may send gets an explicit answer; ENOSYS,
// which the kernel remembers for the whole mount, only where that is
// meant: noXattr.)
type readOnlyNode struct{}

var (
	_ = (gofs.NodeListxattrer)((*readOnlyNode)(nil))
	_ = (gofs.NodeStatfser)((*readOnlyNode)(nil))
)

// Listxattr: an empty list.
func (readOnlyNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// noXattr is getxattr's answer for a node without the attribute: with
// extended attributes off (vfs.Config.Xattrs), ENOSYS, a permanent "not
// supported" that makes the kernel answer every later getxattr itself
// (EOPNOTSUPP) and spares `ls -l` its security.selinux and
// system.posix_acl_access round trips, and each write(2) its
// security.capability one (it is no runtime failure, which must never be
// ENOSYS: DESIGN lesson 6); with them on, ENODATA.
func noXattr(tree *vfs.FS) syscall.Errno {
	if !tree.Config().Xattrs {
		return syscall.ENOSYS
	}
	return errNoAttr
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

// xattrFlag maps setxattr's flags (XATTR_CREATE, XATTR_REPLACE) to the
// core's.
func xattrFlag(flags uint32) vfs.XattrFlag {
	switch {
	case flags&unix.XATTR_CREATE != 0:
		return vfs.XattrCreate
	case flags&unix.XATTR_REPLACE != 0:
		return vfs.XattrReplace
	}
	return vfs.XattrAny
}

// xattrNames is listxattr's answer for names: each NUL-terminated.
func xattrNames(names []string) []byte {
	var b []byte
	for _, name := range names {
		b = append(b, name...)
		b = append(b, 0)
	}
	return b
}
