package fs

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// TestReadAfterUnansweredFetch: a read whose block fetch waited long for
// S3 and failed is followed by the kernel's immediate retry of the same
// read, which fails at once without asking S3 again; after refetchAfter it
// asks. A quick failure is simply retried.
func TestReadAfterUnansweredFetch(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) {
		c.BlockSize = 64 << 10
		c.ReadCache.ReadaheadMax = vfs.NoReadahead
	})
	data := pattern(256<<10, 9)
	put(t, h.fake, "f", data, nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	gets := func() int64 { return h.counting.Count(remote.OpGet) }

	h.fake.FailNext(remote.OpGet, remote.ErrTransient, 1) // a quick failure: tried again
	if _, errno := h.read(f, o.Fh, 0, 4096); errno != syscall.EIO {
		t.Fatalf("read with S3 failing: %v, want EIO", errno)
	}
	if got, errno := h.read(f, o.Fh, 0, 4096); errno != 0 || string(got) != string(data[:4096]) {
		t.Fatalf("retry after a quick failure: %v", errno)
	}

	h.fake.SetHook(remote.OpGet, func(context.Context, string) error {
		h.clock.Advance(2 * time.Minute) // the fetch timeout passes
		return remote.ErrTransient
	})
	if _, errno := h.read(f, o.Fh, 128<<10, 4096); errno != syscall.EIO {
		t.Fatalf("read with S3 not answering: %v, want EIO", errno)
	}
	h.fake.SetHook(remote.OpGet, nil)
	before := gets()
	if _, errno := h.read(f, o.Fh, 128<<10, 4096); errno != syscall.EIO || gets() != before {
		t.Fatalf("immediate retry: %v after %d more GETs, want EIO and none", errno, gets()-before)
	}
	if got, errno := h.read(f, o.Fh, 64<<10, 4096); errno != 0 || string(got) != string(data[64<<10:68<<10]) {
		t.Fatalf("another block: %v", errno)
	}
	h.clock.Advance(6 * time.Second) // past the core's refetchAfter (5 s)
	if got, errno := h.read(f, o.Fh, 128<<10, 4096); errno != 0 || string(got) != string(data[128<<10:132<<10]) {
		t.Fatalf("after 6 s: %v", errno)
	}
	h.release(f, o.Fh)
}
