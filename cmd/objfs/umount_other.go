//go:build darwin || freebsd

package main

import (
	"golang.org/x/sys/unix"
)

// newUnmounter uses umount(2), which macFUSE lets the mounting user call;
// lazy becomes MNT_FORCE, the nearest the BSDs offer.
func newUnmounter() *unmounter {
	return &unmounter{
		sysUnmount: func(path string, lazy bool) error {
			flags := 0
			if lazy {
				flags = unix.MNT_FORCE
			}
			return sysUnmountErr(unix.Unmount(path, flags))
		},
	}
}
