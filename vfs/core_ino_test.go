package vfs

import (
	"context"
	"testing"
)

// TestCoreInoNotReusedWhileHeld: a node keeps its inode number when it is
// renamed or removed while open, so a new node for the old name must get
// another one (found by the differential tester: Go's os.Rename took two
// directories with one number for the same file). Readdir's number for
// each name stays the one its node has.
func TestCoreInoNotReusedWhileHeld(t *testing.T) {
	ctx := context.Background()
	c := newCoreFS(t, true)
	root := c.fsys.Root()

	d, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Rename(ctx, "d", root, "a", 0); err != nil {
		t.Fatal(err)
	}
	d2, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	if d2.Ino() == d.Ino() {
		t.Fatalf("new directory d has the number of d renamed to a (%x)", d.Ino())
	}
	if a := lookupDir(t, root, "a"); a != d {
		t.Fatal("a is not the renamed node")
	}

	put(t, c.fake, "log", []byte("old"), nil)
	old := lookupFile(t, root, "log")
	h := openRead(t, old)
	if err := root.Unlink(ctx, "log"); err != nil {
		t.Fatal(err)
	}
	put(t, c.fake, "log", []byte("new"), nil)
	fresh := lookupFile(t, root, "log")
	if fresh.Ino() == old.Ino() {
		t.Fatalf("a new log has the number of the removed one still open (%x)", old.Ino())
	}

	s := root.OpenStream()
	n, err := s.Len(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"a": d.Ino(), "d": d2.Ino(), "log": fresh.Ino()}
	for i := range n {
		e := s.Entry(i)
		if w, ok := want[e.Name]; ok && e.Ino != w {
			t.Errorf("readdir gives %s number %x, its node has %x", e.Name, e.Ino, w)
		}
	}

	// Once the kernel forgot the removed file, its number is free again.
	h.Release(ctx)
	c.fsys.Forget(old)
	c.fsys.Forget(fresh)
	if again := lookupFile(t, root, "log"); again.Ino() != old.Ino() {
		t.Errorf("after the old node was forgotten, log's number is %x, want the hash %x", again.Ino(), old.Ino())
	}
}

// TestCoreInoRenameOverWithoutSource: a rename whose source node the tree
// no longer has (the kernel forgot it) still counts the open target it
// replaces as away, as a rename of a known node does: a new node for the
// target's name gets another number.
func TestCoreInoRenameOverWithoutSource(t *testing.T) {
	ctx := context.Background()
	c := newCoreFS(t, true)
	root := c.fsys.Root()

	put(t, c.fake, "src", []byte("new"), nil)
	put(t, c.fake, "dst", []byte("old"), nil)
	c.fsys.Forget(lookupFile(t, root, "src"))
	old := lookupFile(t, root, "dst")
	h := openRead(t, old)
	defer h.Release(ctx)
	if err := root.Rename(ctx, "src", root, "dst", 0); err != nil {
		t.Fatal(err)
	}
	if fresh := lookupFile(t, root, "dst"); fresh.Ino() == old.Ino() {
		t.Fatalf("the renamed dst has the number of the replaced one still open (%x)", old.Ino())
	}
}
