package vfs

import (
	"context"
	"syscall"
	"testing"
)

// TestOpenReportsNewVersionAttrs: a lookup answered from a listing (up to
// ListTTL old) gives the kernel the old size; an open after StatTTL HEADs
// and pins the new version, and must say so (AttrChanged), or the kernel
// cuts the new version's reads at the old size (cat printed "NEW co" of
// "NEW content"). An open that finds the same version says nothing.
func TestOpenReportsNewVersionAttrs(t *testing.T) {
	c, clock := newBatchFS(t)
	ctx := context.Background()
	put(t, c.fake, "d/f", []byte("old"), nil)
	d := lookupDir(t, c.fsys.Root(), "d")
	if n, err := d.OpenStream().Len(ctx); err != nil || n != 1 {
		t.Fatalf("readdir: %d, %v", n, err)
	}
	f := lookupFile(t, d, "f") // from the listing
	if a := f.KnownAttr(); a.Size != 3 {
		t.Fatalf("size from the listing: %d", a.Size)
	}
	put(t, c.fake, "d/f", []byte("NEW content, longer"), nil)
	clock.Advance(DefaultStatTTL)
	if lookupFile(t, d, "f").KnownAttr().Size != 3 {
		t.Fatal("the lookup no longer answers from the listing: the test needs another setup")
	}
	h, how, err := f.Open(ctx, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if !how.AttrChanged {
		t.Fatal("an open that pinned a new version (another size) did not report AttrChanged")
	}
	if a := f.KnownAttr(); a.Size != int64(len("NEW content, longer")) {
		t.Fatalf("size after the open: %d", a.Size)
	}
	h2, how2, err := f.Open(ctx, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Release(ctx)
	if how2.AttrChanged {
		t.Fatal("an open of the same version reported AttrChanged")
	}
}
