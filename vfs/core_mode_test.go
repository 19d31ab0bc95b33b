package vfs

import (
	"context"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// mustAttr fails unless a has mode (type included), uid and gid.
func mustAttr(t *testing.T, what string, a Attr, mode, uid, gid uint32) {
	t.Helper()
	if a.Mode != mode || a.UID != uid || a.GID != gid {
		t.Fatalf("%s: mode %o uid %d gid %d; want %o %d %d", what, a.Mode, a.UID, a.GID, mode, uid, gid)
	}
}

// TestCoreModeStoredAtCreate: a file and a directory created with a mode
// and owner store them (x-amz-meta-mode in rclone's octal form, uid, gid);
// a new mount shows them after a lookup, and the mount's defaults for an
// entry known only from a listing.
func TestCoreModeStoredAtCreate(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	a := &NewAttrs{Mode: 0o750, UID: 1234, GID: 99}
	f, wh, err := root.CreateAttrs(ctx, "run.sh", false, a)
	if err != nil {
		t.Fatal(err)
	}
	write(t, wh, []byte("#!/bin/sh\n"), 0)
	wh.Release(ctx)
	info, err := c.fake.Head(ctx, testBucket, "run.sh")
	if err != nil {
		t.Fatal(err)
	}
	if m := info.Metadata; m[remote.MetaMode] != "0100750" || m[remote.MetaUID] != "1234" || m[remote.MetaGID] != "99" {
		t.Fatalf("metadata %v", m)
	}
	fa, _ := f.Attr(ctx)
	mustAttr(t, "created file", fa, syscall.S_IFREG|0o750, 1234, 99)
	d, err := root.MkdirAttrs(ctx, "dir", &NewAttrs{Mode: 0o700, UID: 1234, GID: 99})
	if err != nil {
		t.Fatal(err)
	}
	mustAttr(t, "created directory", d.Attr(), syscall.S_IFDIR|0o700, 1234, 99)

	c2 := reopen(t, c)
	cfg := c2.fsys.Config()
	r2 := c2.fsys.Root()
	s := r2.OpenStream()
	if _, err := s.Len(ctx); err != nil {
		t.Fatal(err)
	}
	listed, _ := s.Lookup("run.sh")
	mustAttr(t, "listed file", listed.(*File).KnownAttr(), syscall.S_IFREG|0o644, cfg.UID, cfg.GID)

	c3 := reopen(t, c)
	r3 := c3.fsys.Root()
	fa, err = lookupFile(t, r3, "run.sh").Attr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustAttr(t, "looked-up file", fa, syscall.S_IFREG|0o750, 1234, 99)
	mustAttr(t, "looked-up directory", lookupDir(t, r3, "dir").Attr(), syscall.S_IFDIR|0o700, 1234, 99)
}

// TestCoreChmodChown: chmod and chown by path are one metadata-only copy
// each, keep the content and the mtime, and survive a remount; through an
// open writer they are stored with its commit; values that do not parse,
// or a mode of another type, are ignored.
func TestCoreChmodChown(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "f", []byte("data"), map[string]string{remote.MetaMtime: "1600000000.5"})
	f := lookupFile(t, root, "f")
	before := c.count.Snapshot()
	if _, err := f.SetAttr(ctx, AttrChange{Mode: 0o755, HasMode: true}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SetAttr(ctx, AttrChange{UID: 42, HasUID: true, GID: 43, HasGID: true}, false); err != nil {
		t.Fatal(err)
	}
	if n := c.count.Count(remote.OpCopy) - before[remote.OpCopy]; n != 2 {
		t.Fatalf("chmod and chown made %d copies, want 2", n)
	}
	mustStore(t, c.fake, "f", []byte("data"))
	c2 := reopen(t, c)
	a, err := lookupFile(t, c2.fsys.Root(), "f").Attr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustAttr(t, "after a remount", a, syscall.S_IFREG|0o755, 42, 43)
	if a.Mtime.Unix() != 1600000000 {
		t.Fatalf("chmod moved the mtime to %v", a.Mtime)
	}

	g, wh, err := root.CreateAttrs(ctx, "g", false, &NewAttrs{Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	write(t, wh, []byte("x"), 0)
	if _, err := g.SetAttr(ctx, AttrChange{Mode: 0o700, HasMode: true}, true); err != nil {
		t.Fatal(err)
	}
	ga, _ := g.Attr(ctx)
	if ga.Mode != syscall.S_IFREG|0o700 {
		t.Fatalf("fchmod while writing: mode %o", ga.Mode)
	}
	wh.Release(ctx)
	if info, _ := c.fake.Head(ctx, testBucket, "g"); info.Metadata[remote.MetaMode] != "0100700" {
		t.Fatalf("fchmod while writing stored %v", info.Metadata)
	}

	put(t, c.fake, "bad", nil, map[string]string{remote.MetaMode: "040755", remote.MetaUID: "x"})
	put(t, c.fake, "worse", nil, map[string]string{remote.MetaMode: "rwx"})
	cfg := c.fsys.Config()
	for _, name := range []string{"bad", "worse"} {
		a, err := lookupFile(t, root, name).Attr(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustAttr(t, name, a, syscall.S_IFREG|0o644, cfg.UID, cfg.GID)
	}
}

// TestCoreChmodDirKeepsMarker: a chown of a directory known only from a
// listing (which carries no metadata) keeps what its marker stores: the
// mode another client set and metadata objfs does not know.
func TestCoreChmodDirKeepsMarker(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "d/", nil, map[string]string{remote.MetaMode: "040700", "color": "blue"})
	put(t, c.fake, "d/f", []byte("x"), nil)
	if _, err := root.OpenStream().Len(ctx); err != nil { // d is known from the listing
		t.Fatal(err)
	}
	d := lookupDir(t, root, "d")
	if _, err := d.SetAttr(ctx, AttrChange{UID: 42, HasUID: true}); err != nil {
		t.Fatal(err)
	}
	info, err := c.fake.Head(ctx, testBucket, "d/")
	if err != nil {
		t.Fatal(err)
	}
	if m := info.Metadata; m[remote.MetaMode] != "040700" || m[remote.MetaUID] != "42" || m["color"] != "blue" {
		t.Fatalf("marker metadata after chown: %v", m)
	}
	mustAttr(t, "after chown", d.Attr(), syscall.S_IFDIR|0o700, 42, c.fsys.Config().GID)
}
