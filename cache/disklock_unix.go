//go:build linux || darwin || freebsd || openbsd || netbsd

package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockDir takes an exclusive flock on dir/LOCK and writes our pid into it.
// The lock is per open file, so a second Blocks over the same directory is
// refused whether it is in another process or this one. The kernel drops
// the lock when the process dies, so a crash never leaves it stale.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cache dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s (held by pid %s); give each mount its own --cache-dir",
				ErrCacheDirBusy, dir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("cache dir lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return f, nil
}

// unlockDir releases the lock taken by lockDir.
func unlockDir(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close() // closing the last descriptor drops the flock
}
