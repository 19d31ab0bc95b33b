// Package peercred tells who is at the other end of a Unix socket
// (SO_PEERCRED), for the daemons' local sockets: objfs status and the CSI
// mounter. Linux only; elsewhere callers decide on their own.
package peercred

import (
	"net"
	"os"
	"syscall"
)

// RootOrSelf reports whether the process at the other end of c runs as
// root or as this process's effective user; false when that cannot be
// read.
func RootOrSelf(c *net.UnixConn) bool {
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
