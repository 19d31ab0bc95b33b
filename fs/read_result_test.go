package fs

import (
	"bytes"
	"os"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// TestHeldResult: the reply carries the bytes as one slice (writev), and
// releases the held block only when go-fuse is done with it.
func TestHeldResult(t *testing.T) {
	data := []byte("block bytes")
	released := 0
	res := heldResult{data: data, release: func() { released++ }}
	if b, st := res.Bytes(nil); st != fuse.OK || !bytes.Equal(b, data) || res.Size() != len(data) {
		t.Fatalf("reply %q %v %d", b, st, res.Size())
	}
	if s, st := res.Slices(); st != fuse.OK || len(s) != 1 || &s[0][0] != &data[0] {
		t.Fatal("not one slice of the block itself")
	}
	if released != 0 {
		t.Fatal("released before Done")
	}
	res.Done()
	if released != 1 {
		t.Fatalf("released %d times", released)
	}
}

// TestSpanResult: a disk-cache range is offered to go-fuse for splice
// (Seekable), read with pread when splice is not possible, and released
// only at Done.
func TestSpanResult(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "span")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	released := 0
	res := spanResult{fd: f.Fd(), off: 4, size: 6, release: func() { released++ }}
	if fd, off, sz := res.Seekable(); fd != f.Fd() || off != 4 || sz != 6 || res.Size() != 6 {
		t.Fatalf("Seekable %d %d %d", fd, off, sz)
	}
	for _, r := range []fuse.ReadResult{res, preadResult(res)} {
		if b, st := r.Bytes(make([]byte, 64)); st != fuse.OK || string(b) != "456789" {
			t.Fatalf("Bytes %q %v", b, st)
		}
	}
	if _, seekable := any(preadResult(res)).(interface {
		Seekable() (uintptr, int64, int)
	}); seekable {
		t.Fatal("the pread form must not offer splice")
	}
	if released != 0 {
		t.Fatal("released before Done")
	}
	res.Done()
	if released != 1 {
		t.Fatalf("released %d times", released)
	}
}
