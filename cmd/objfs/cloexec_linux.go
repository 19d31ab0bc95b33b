package main

import (
	"os"
	"strconv"
	"syscall"
)

// markCloseOnExec sets FD_CLOEXEC on every descriptor above stderr. Go
// opens its own files close-on-exec, but go-fuse opens /dev/fuse without
// it, and a child that inherits the FUSE descriptor keeps the connection
// alive after the daemon dies: its own requests to the mount then wait
// for an answer nobody is left to give.
func markCloseOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, syscall.FD_CLOEXEC)
		}
	}
}
