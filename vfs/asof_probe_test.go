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
