package vfs

import (
	"context"
	"testing"
)

// Core tests of when names and files created through the mount meet S3:
// new directories, exclusive creates, the first upload of a new file.

// TestCoreNewDirIsLookedUpInS3: a directory created through the mount
// has no listing yet: an object another client writes below it right
// after is found by lookup and listed, so rm -rf (list, unlink, rmdir)
// empties it.
func TestCoreNewDirIsLookedUpInS3(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	d, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	put(t, c.fake, "d/theirs", []byte("another client's"), nil)
	if got := lookupFile(t, d, "theirs"); got == nil {
		t.Fatal("no node")
	}
	s := d.OpenStream()
	n, err := s.Len(ctx)
	if err != nil || n != 1 || s.Entry(0).Name != "theirs" {
		t.Fatalf("listing of the new directory: %d entries, %v; want theirs", n, err)
	}
	if err := d.Unlink(ctx, "theirs"); err != nil {
		t.Fatal(err)
	}
	if err := root.Rmdir(ctx, "d"); err != nil {
		t.Fatalf("rmdir after removing what the listing showed: %v", err)
	}
	mustNotStore(t, c.fake, "d/")
}

