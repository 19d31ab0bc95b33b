package main

import "github.com/objfs/objfs/internal/mountinfo"

// mountedFS returns the file system type mounted on the absolute path dir
// (as the kernel lists it) and whether something is mounted there. It is
// best effort: an unreadable mount table reports nothing.
func mountedFS(dir string) (string, bool) {
	m, ok, err := mountinfo.FindFile(mountinfo.Self, dir)
	if err != nil || !ok {
		return "", false
	}
	return m.FSType, true
}
