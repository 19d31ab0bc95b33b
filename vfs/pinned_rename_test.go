package vfs

import (
	"context"
	"errors"
	"testing"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// TestPinnedKeyDirRenameRefused: in a readwrite connector, renaming a
// directory that holds a pinned key would copy the key's current object
// (not its pinned version) and delete the pinned key: refused with
// ErrReadOnly (EROFS) before anything is sent, and nothing changes.
func TestPinnedKeyDirRenameRefused(t *testing.T) {
	fake, count := newFake(t)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	put(t, fake, "data/k", []byte("v1"), nil)
	info, err := fake.Head(context.Background(), testBucket, "data/k")
	if err != nil {
		t.Fatal(err)
	}
	put(t, fake, "data/k", []byte("v2"), nil)
	put(t, fake, "data/y", []byte("y"), nil)
	conn := testkit.Connector(t, "bundle", "readwrite", testBucket+"/*", testBucket+"/data/k@"+info.VersionID)
	fsys := newTreeOver(t, count, func(c *Config) { c.Connector = conn })
	ctx := context.Background()
	root := fsys.Root()
	lookupDir(t, root, "data")
	count.Reset()
	if err := root.Rename(ctx, "data", root, "moved", 0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("rename of a directory holding a pinned key: %v, want ErrReadOnly", err)
	}
	for _, op := range []string{remote.OpPut, remote.OpCopy, remote.OpDelete, remote.OpCreateMultipart, remote.OpUploadPartCopy} {
		if n := count.Count(op); n != 0 {
			t.Errorf("%d %s sent", n, op)
		}
	}
	for _, k := range []string{"data/k", "data/y"} {
		if _, err := fake.Head(ctx, testBucket, k); err != nil {
			t.Errorf("%s after the refused rename: %v", k, err)
		}
	}
	if _, err := fake.Head(ctx, testBucket, "moved/k"); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("moved/k after the refused rename: %v", err)
	}
}
