//go:build !linux

package cache

import "os"

// punchHole zeroes [off, off+n) of f, keeping its size: without
// FALLOC_FL_PUNCH_HOLE the space stays allocated (the budget counts
// blocks, not allocated space, so it still holds for what is cached).
func punchHole(f *os.File, off, n int64) error {
	_, err := f.WriteAt(make([]byte, n), off)
	return err
}
