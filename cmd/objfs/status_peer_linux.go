package main

import (
	"net"

	"github.com/objfs/objfs/internal/peercred"
)

// peerAllowed reports whether the process at the other end of conn is
// root or runs as this daemon's user (SO_PEERCRED): the socket's mode
// already says so, this holds even if its directory was made by someone
// else.
func peerAllowed(conn net.Conn) bool {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return false
	}
	return peercred.RootOrSelf(uc)
}
