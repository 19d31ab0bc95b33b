//go:build !linux

package main

import "net"

// peerAllowed: without SO_PEERCRED the socket's mode (0600 in a 0700
// directory) is the only check.
func peerAllowed(net.Conn) bool { return true }
