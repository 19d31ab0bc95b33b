package vfs

import (
	"fmt"
	"testing"

	"github.com/objfs/objfs/remote"
)

// TestAsOfDirLookupCost: looking up a directory of an as-of view (stat,
// cd, each step of a path) does not verify every subdirectory below it:
// its one-key probe needs one live entry, so it costs a few
// ListObjectVersions, not one per subdirectory (that is readdir's price).
// The listing that follows still shows every subdirectory alive then.
func TestAsOfDirLookupCost(t *testing.T) {
	h := newAsOfHistory(t)
	const subdirs = 50
	for i := range subdirs {
		put(t, h.fake, fmt.Sprintf("ds/class%02d/img", i), []byte("x"), nil)
	}
	at := h.clock.Now()
	fsys := h.fs(t, at)
	h.count.Reset()
	ds := lookupDir(t, fsys.Root(), "ds")
	if n := h.count.Count(remote.OpListVersions); n > 4 {
		t.Errorf("lookup of a directory of %d subdirectories: %d ListObjectVersions, want a few", subdirs, n)
	}
	if got := dirNames(t, ds); len(got) != subdirs {
		t.Fatalf("ds/: %d entries, want %d: %q", len(got), subdirs, got)
	}
}

// TestAsOfProbeKeepsNoRest: a one-key probe that ends inside a versions
// page keeps nothing of the page (probes are never continued, and up to
// maxRests pages of a thousand versions would be held for nobody); its
// token still continues the listing correctly.
func TestAsOfProbeKeepsNoRest(t *testing.T) {
	h := newAsOfHistory(t)
	for i := range 20 {
		put(t, h.fake, fmt.Sprintf("ds/f%02d", i), []byte("x"), nil)
	}
	a := newAsOfClient(h.fake, h.clock.Now())
	req := remote.ListRequest{Bucket: testBucket, Prefix: "ds/", Delimiter: "/", MaxKeys: 1}
	var got int
	for range 25 {
		p, err := a.List(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		a.mu.Lock()
		kept := len(a.rests)
		a.mu.Unlock()
		if kept != 0 {
			t.Fatalf("a probe kept %d page remainders", kept)
		}
		got += len(p.Objects)
		if p.NextToken == "" {
			break
		}
		req.Token = p.NextToken
	}
	if got != 20 {
		t.Fatalf("continued probes listed %d keys, want 20", got)
	}
}
