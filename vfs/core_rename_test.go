package vfs

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// TestCoreRenameFileFollowedByReader: after a rename the old key is gone
// and the new one has the bytes; a handle open for reading keeps reading
// (blocks it never read, now under the new key); the old name is
// ErrNotExist and the new one is the same node.
func TestCoreRenameFileFollowedByReader(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	data := pattern(4*testBlock, 13)
	put(t, c.fake, "a", data, nil)

	f := lookupFile(t, root, "a")
	rh := openRead(t, f)
	defer rh.Release(ctx)
	if got := readAt(t, rh, 0, testBlock); !bytes.Equal(got, data[:testBlock]) {
		t.Fatal("first block differs before rename")
	}
	if err := root.Rename(ctx, "a", root, "b", 0); err != nil {
		t.Fatalf("rename: %v", err)
	}
	mustNotStore(t, c.fake, "a")
	mustStore(t, c.fake, "b", data)
	if got := readAt(t, rh, testBlock, 3*testBlock); !bytes.Equal(got, data[testBlock:]) {
		t.Fatal("blocks read after the rename differ")
	}
	mustNotExist(t, root, "a")
	if got := lookupFile(t, root, "b"); got != f {
		t.Fatal("the new name is another node than the renamed one")
	}
}

// TestCoreRenameDirCommitsOpenWriter: renaming a directory moves every
// key below it; a file open for writing there with unflushed changes, and
// a file being created there, are committed under their new keys, and the
// open handle's later writes go to the new key too.
func TestCoreRenameDirCommitsOpenWriter(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "d/", nil, nil)
	put(t, c.fake, "d/x", pattern(3000, 1), nil)
	y := pattern(2*testBlock, 2)
	put(t, c.fake, "d/sub/y", y, nil)

	d := lookupDir(t, root, "d")
	sub := lookupDir(t, d, "sub")
	x := lookupFile(t, d, "x")
	wx := openWriteH(t, x, syscall.O_RDWR)
	defer wx.Release(ctx)
	newX := pattern(3000, 21)
	write(t, wx, newX, 0)
	_, wn, err := d.Create(ctx, "new", false)
	if err != nil {
		t.Fatal(err)
	}
	defer wn.Release(ctx)
	created := pattern(777, 4)
	write(t, wn, created, 0)
	if got, _ := stored(t, c.fake, "d/x"); bytes.Equal(got, newX) {
		t.Fatal("the write was committed before the rename (the test proves nothing)")
	}

	if err := root.Rename(ctx, "d", root, "e", 0); err != nil {
		t.Fatalf("rename: %v", err)
	}
	page, err := c.fake.List(ctx, remote.ListRequest{Bucket: testBucket, Prefix: "d"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Objects {
		if strings.HasPrefix(o.Key, "d/") {
			t.Errorf("%s left under the old prefix", o.Key)
		}
	}
	mustStore(t, c.fake, "e/", nil)
	mustStore(t, c.fake, "e/x", newX)
	mustStore(t, c.fake, "e/new", created)
	mustStore(t, c.fake, "e/sub/y", y)
	mustNotExist(t, root, "d")
	if got := lookupDir(t, root, "e"); got != d {
		t.Fatal("the new name is another node than the renamed directory")
	}
	if got := lookupDir(t, d, "sub"); got != sub {
		t.Fatal("the subdirectory's node did not move with it")
	}

	more := pattern(100, 33)
	write(t, wx, more, int64(len(newX)))
	if err := wx.Flush(ctx); err != nil {
		t.Fatalf("flush after the rename: %v", err)
	}
	mustStore(t, c.fake, "e/x", append(bytes.Clone(newX), more...))
	mustNotStore(t, c.fake, "d/x")
}

// TestCoreRenameDirOverNonEmpty: renaming a directory over another one is
// ErrNotEmpty when the target holds a key in S3, and also when its only
// entry is a file still being created (not in S3 yet); nothing moves, and
// the created file lands in the target alone once closed. Over an empty
// directory the rename succeeds.
func TestCoreRenameDirOverNonEmpty(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "a/", nil, nil)
	put(t, c.fake, "a/x", pattern(100, 1), nil)
	put(t, c.fake, "full/", nil, nil)
	put(t, c.fake, "full/y", pattern(100, 2), nil)
	put(t, c.fake, "creating/", nil, nil)
	put(t, c.fake, "empty/", nil, nil)
	lookupDir(t, root, "a")

	if err := root.Rename(ctx, "a", root, "full", 0); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("rename over a directory holding a key: %v, want ErrNotEmpty", err)
	}
	creating := lookupDir(t, root, "creating")
	_, wh, err := creating.Create(ctx, "new", false)
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(500, 3)
	write(t, wh, data, 0)
	if err := root.Rename(ctx, "a", root, "creating", 0); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("rename over a directory whose only entry is being created: %v, want ErrNotEmpty", err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wh.Release(ctx)
	mustStore(t, c.fake, "a/x", pattern(100, 1))
	mustStore(t, c.fake, "creating/new", data)
	mustNotStore(t, c.fake, "creating/x")
	mustNotStore(t, c.fake, "a/new")

	if err := root.Rename(ctx, "a", root, "empty", 0); err != nil {
		t.Fatalf("rename over an empty directory: %v", err)
	}
	mustStore(t, c.fake, "empty/x", pattern(100, 1))
	mustNotStore(t, c.fake, "a/x")
}
