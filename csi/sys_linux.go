package csi

import (
	"net"
	"syscall"

	"github.com/objfs/objfs/internal/peercred"
)

// detach unmounts target lazily (a mount nobody serves).
func detach(target string) error { return syscall.Unmount(target, syscall.MNT_DETACH) }

// peerIsRootOrSelf checks the connecting process's uid (SO_PEERCRED):
// the directory's 0700 already keeps others out.
func peerIsRootOrSelf(c *net.UnixConn) bool { return peercred.RootOrSelf(c) }
