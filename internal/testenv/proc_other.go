//go:build !linux

package testenv

import "syscall"

// childAttr: only Linux has a parent-death signal; elsewhere a crashed test
// binary can leave MinIO running until it is killed by hand.
func childAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}
