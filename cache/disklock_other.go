//go:build !(linux || darwin || freebsd || openbsd || netbsd)

package cache

import "os"

// lockDir is a no-op where flock is unavailable: sharing one cache
// directory between processes is then unsafe and documented as such.
func lockDir(dir string) (*os.File, error) { return nil, nil }

func unlockDir(f *os.File) error { return nil }
