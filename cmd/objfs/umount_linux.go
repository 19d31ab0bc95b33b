package main

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/objfs/objfs/internal/mountinfo"
)

// newUnmounter uses fusermount3, then fusermount; root may also use
// umount(2) directly when neither is installed.
func newUnmounter() *unmounter {
	u := &unmounter{
		tools:    []string{"fusermount3", "fusermount"},
		lookPath: exec.LookPath,
		run:      runCombined,
		mounted:  mountedFromMountinfo(mountinfo.Self),
	}
	if os.Geteuid() == 0 {
		u.sysUnmount = func(path string, lazy bool) error {
			flags := 0
			if lazy {
				flags = syscall.MNT_DETACH
			}
			return sysUnmountErr(syscall.Unmount(path, flags))
		}
	}
	return u
}

// mountedFromMountinfo reports whether path is a mount point listed in the
// given mountinfo file.
func mountedFromMountinfo(file string) func(string) (bool, error) {
	return func(path string) (bool, error) {
		_, ok, err := mountinfo.FindFile(file, path)
		return ok, err
	}
}
