//go:build linux

package integration

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestDirectIOReads: with --direct-io a large object reads back exactly
// (md5sum), and the open file really bypasses
// the page cache: the kernel refuses a shared mapping of it (ENODEV),
// which it grants on a normal mount.
func TestDirectIOReads(t *testing.T) {
	srv := requireMountable(t)
	bucket, key, data := seedBig(t, srv)
	m := mount(t, "s3://"+bucket, "--direct-io")
	if sum := md5sumOf(t, m.Path(key)); sum != md5hex(data) {
		t.Fatalf("read with --direct-io: md5 %s, want %s", sum, md5hex(data))
	}
	if err := sharedMap(m.Path(key)); !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("shared mmap with --direct-io: %v, want ENODEV (page cache bypassed)", err)
	}
	plain := mount(t, "s3://"+bucket)
	if err := sharedMap(plain.Path(key)); err != nil {
		t.Fatalf("shared mmap without --direct-io: %v", err)
	}
}

// sharedMap maps the first page of path shared and read-only, and reads
// a byte of it.
func sharedMap(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return err
	}
	_ = b[0]
	return syscall.Munmap(b)
}
