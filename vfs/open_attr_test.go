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

// TestAppendGoesToTheEnd: the kernel sends an O_APPEND write at the size
// it holds, which a lookup may have answered from a listing of an older
// version; the write must land at the end of the object the open found
// (S3 held "NEWX\nontent 0" after `echo X >> f` of "NEW content 0" listed
// as "old").
func TestAppendGoesToTheEnd(t *testing.T) {
	c, clock := newBatchFS(t)
	ctx := context.Background()
	put(t, c.fake, "d/f", []byte("old"), nil)
	d := lookupDir(t, c.fsys.Root(), "d")
	if _, err := d.OpenStream().Len(ctx); err != nil {
		t.Fatal(err)
	}
	f := lookupFile(t, d, "f") // the kernel holds size 3
	put(t, c.fake, "d/f", []byte("NEW content 0"), nil)
	clock.Advance(DefaultStatTTL)
	h, _, err := f.Open(ctx, syscall.O_WRONLY|syscall.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	wh := h.(*WriteHandle)
	if n, err := wh.Write(ctx, []byte("X\n"), 3); err != nil || n != 2 {
		t.Fatalf("append: %d, %v", n, err)
	}
	if n, err := wh.Write(ctx, []byte("Y\n"), 5); err != nil || n != 2 {
		t.Fatalf("second append: %d, %v", n, err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wh.Release(ctx)
	mustStore(t, c.fake, "d/f", []byte("NEW content 0X\nY\n"))
}
