package csi

import (
	"net"
	"os"
	"syscall"
)

// detach unmounts target lazily (a mount nobody serves).
func detach(target string) error { return syscall.Unmount(target, syscall.MNT_DETACH) }

// peerIsRootOrSelf checks the connecting process's uid (SO_PEERCRED):
// the directory's 0700 already keeps others out.
func peerIsRootOrSelf(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return false
	}
	return cred.Uid == 0 || int(cred.Uid) == os.Geteuid()
}
