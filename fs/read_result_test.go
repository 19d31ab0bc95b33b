package fs

import (
	"bytes"
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
