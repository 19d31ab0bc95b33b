//go:build !linux

package fs

// spliceFits: go-fuse splices only on Linux; elsewhere replies from the
// disk cache are read with pread(2) (preadResult).
func spliceFits(int) bool { return false }
