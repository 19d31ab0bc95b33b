package vfs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// reopen returns a second tree over the same Fake (a fresh mount: nothing
// cached), counting its requests on its own.
func reopen(t *testing.T, c core) core {
	t.Helper()
	counting := remote.NewCounting(c.fake)
	cfg := c.fsys.Config()
	cfg.Write.StageDir = t.TempDir()
	cfg.Logger = slog.New(slog.DiscardHandler)
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fsys.Close(context.Background()) })
	return core{fake: c.fake, count: counting, fsys: fsys}
}

// lookupLink looks name up in d and fails unless it is a link.
func lookupLink(t *testing.T, d *Dir, name string) *Symlink {
	t.Helper()
	n, err := d.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	l, ok := n.(*Symlink)
	if !ok {
		t.Fatalf("lookup %s: %T, want a link", name, n)
	}
	return l
}

// mustReadlink fails unless l's target is want.
func mustReadlink(t *testing.T, l *Symlink, want string) {
	t.Helper()
	got, err := l.Readlink(context.Background())
	if err != nil || got != want {
		t.Fatalf("readlink %s: %q, %v; want %q", l.Path(), got, err, want)
	}
}

// TestCoreSymlinkStoredAsRcloneLink: symlink writes NAME.rclonelink with
// the target as body; the node answers readlink and lstat (type link,
// size the target's length) without a request; a new mount reads it back:
// lstat from the listing alone, readlink with one GET.
func TestCoreSymlinkStoredAsRcloneLink(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	const target = "../data/train.csv" // dangling: nothing is checked

	l, err := root.Symlink(ctx, target, "ln")
	if err != nil {
		t.Fatal(err)
	}
	mustStore(t, c.fake, "ln.rclonelink", []byte(target))
	mustNotStore(t, c.fake, "ln")
	before := c.count.Total()
	mustReadlink(t, l, target)
	a := l.Attr()
	if a.Mode != syscall.S_IFLNK|0o777 || a.Size != int64(len(target)) {
		t.Fatalf("lstat: mode %o size %d, want %o and %d", a.Mode, a.Size, syscall.S_IFLNK|0o777, len(target))
	}
	if n := c.count.Total() - before; n != 0 {
		t.Fatalf("readlink and lstat of a link just made sent %d requests", n)
	}
	if got := lookupLink(t, root, "ln"); got != l {
		t.Fatal("lookup returned another node than the one created")
	}

	c2 := reopen(t, c)
	s := c2.fsys.Root().OpenStream()
	if n, err := s.Len(ctx); err != nil || n != 1 {
		t.Fatalf("listing: %d entries, %v; want 1", n, err)
	}
	de := s.Entry(0)
	if de.Name != "ln" || !de.Link || de.Dir {
		t.Fatalf("listing shows %+v, want the link ln", de)
	}
	node, ok := s.Lookup("ln")
	if !ok {
		t.Fatal("the stream does not find ln")
	}
	l2 := node.(*Symlink)
	if a := l2.Attr(); a.Mode&syscall.S_IFMT != syscall.S_IFLNK || a.Size != int64(len(target)) || a.Ino != de.Ino {
		t.Fatalf("lstat from the listing: %+v (d_ino %d)", a, de.Ino)
	}
	if c2.count.Count(remote.OpHead) != 0 {
		t.Fatal("lstat of a listed link sent a HEAD")
	}
	mustReadlink(t, l2, target)
	mustReadlink(t, l2, target)
	if n := c2.count.Count(remote.OpGet); n != 1 {
		t.Fatalf("two readlinks sent %d GETs, want 1", n)
	}
}

// TestCoreSymlinkLookupWithoutListing: a lookup that does not list (a
// probe) finds links made by another client (rclone), and a link to a
// directory; a directory wins over a link of the same name, a file too.
func TestCoreSymlinkLookupWithoutListing(t *testing.T) {
	c := newCoreFS(t, true)
	put(t, c.fake, "a/l.rclonelink", []byte("sub"), nil)
	put(t, c.fake, "a/sub/x", []byte("x"), nil)
	put(t, c.fake, "a/both.rclonelink", []byte("t"), nil)
	put(t, c.fake, "a/both", []byte("file"), nil)
	put(t, c.fake, "a/d.rclonelink", []byte("t"), nil)
	put(t, c.fake, "a/d/y", []byte("y"), nil)
	put(t, c.fake, "a/.rclonelink", []byte("not a link"), nil)
	a := lookupDir(t, c.fsys.Root(), "a")

	mustReadlink(t, lookupLink(t, a, "l"), "sub")
	lookupFile(t, a, "both")
	lookupDir(t, a, "d")
	lookupFile(t, a, ".rclonelink")
	mustNotExist(t, a, "l.rclonelink")

	c2 := reopen(t, c) // the same answers from a listing
	a2 := lookupDir(t, c2.fsys.Root(), "a")
	s := a2.OpenStream()
	n, err := s.Len(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]DirEntry{}
	for i := range n {
		e := s.Entry(i)
		got[e.Name] = e
	}
	if len(got) != 5 || !got["l"].Link || got["both"].Link || !got["d"].Dir || got["sub"].Link || got[".rclonelink"].Link {
		t.Fatalf("listing: %+v", got)
	}
	lookupLink(t, a2, "l")
	lookupFile(t, a2, "both")
}

// TestCoreSymlinkUnlinkRename: unlink deletes the link's object; rename
// moves it (also over a file, which goes), a file renamed over a link
// removes the link's object, and a directory rename carries links.
func TestCoreSymlinkUnlinkRename(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "f", []byte("file"), nil)
	put(t, c.fake, "g", []byte("other"), nil)
	if _, err := root.Symlink(ctx, "f", "l1"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Symlink(ctx, "/etc", "l2"); err != nil {
		t.Fatal(err)
	}

	if err := root.Unlink(ctx, "l2"); err != nil {
		t.Fatal(err)
	}
	mustNotStore(t, c.fake, "l2.rclonelink")
	mustNotExist(t, root, "l2")

	if err := root.Rename(ctx, "l1", root, "l3", 0); err != nil {
		t.Fatal(err)
	}
	mustNotStore(t, c.fake, "l1.rclonelink")
	mustStore(t, c.fake, "l3.rclonelink", []byte("f"))
	mustNotExist(t, root, "l1")
	mustReadlink(t, lookupLink(t, root, "l3"), "f")

	if err := root.Rename(ctx, "l3", root, "g", 0); err != nil { // a link over a file
		t.Fatal(err)
	}
	mustNotStore(t, c.fake, "g")
	mustStore(t, c.fake, "g.rclonelink", []byte("f"))
	mustReadlink(t, lookupLink(t, root, "g"), "f")

	if err := root.Rename(ctx, "f", root, "g", 0); err != nil { // a file over a link
		t.Fatal(err)
	}
	mustNotStore(t, c.fake, "g.rclonelink")
	mustStore(t, c.fake, "g", []byte("file"))
	lookupFile(t, root, "g")

	d, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Symlink(ctx, "../g", "up"); err != nil {
		t.Fatal(err)
	}
	if err := root.Rename(ctx, "d", root, "e", 0); err != nil {
		t.Fatal(err)
	}
	mustStore(t, c.fake, "e/up.rclonelink", []byte("../g"))
	mustNotStore(t, c.fake, "d/up.rclonelink")
	mustReadlink(t, lookupLink(t, lookupDir(t, root, "e"), "up"), "../g")
	mustReadlink(t, lookupLink(t, lookupDir(t, reopen(t, c).fsys.Root(), "e"), "up"), "../g")
}

// TestCoreSymlinkRefusals: a name ending in .rclonelink cannot be created
// (a file would read back as a link, a directory never be looked up), an existing name is EEXIST, an empty
// target ENOENT, a target over 4095 bytes ENAMETOOLONG; hard links stay
// EPERM.
func TestCoreSymlinkRefusals(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	if _, _, err := root.Create(ctx, "x.rclonelink", false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create x.rclonelink: %v, want ErrInvalid", err)
	}
	if _, err := root.Symlink(ctx, "t", "x.rclonelink"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("symlink x.rclonelink: %v, want ErrInvalid", err)
	}
	if _, err := root.Symlink(ctx, "", "e"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("symlink with an empty target: %v, want ErrNotExist", err)
	}
	long := string(make([]byte, maxLinkLen+1))
	if _, err := root.Symlink(ctx, long, "e"); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("symlink with a 4096-byte target: %v, want ErrNameTooLong", err)
	}
	if _, err := root.Symlink(ctx, "t", "l"); err != nil {
		t.Fatal(err)
	}
	if _, err := reopen(t, c).fsys.Root().Symlink(ctx, "u", "l"); !errors.Is(err, ErrExist) {
		t.Fatalf("symlink over an existing link: %v, want ErrExist", err)
	}
	put(t, c.fake, "f", nil, nil)
	if err := root.Rename(ctx, "f", root, "y.rclonelink", 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rename to y.rclonelink: %v, want ErrInvalid", err)
	}
	// A directory may have such a name (TestCoreRcloneLinkNamedDir), and
	// it is found again: mkdir -p x.rclonelink/y works.
	if _, err := root.Mkdir(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := root.Rename(ctx, "d", root, "d.rclonelink", 0); err != nil {
		t.Fatalf("rename of a directory to d.rclonelink: %v", err)
	}
	if _, err := lookupDir(t, root, "d.rclonelink").Mkdir(ctx, "y"); err != nil {
		t.Fatal(err)
	}
	if err := root.RefuseLink("h"); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("link: %v, want ErrNotPermitted", err)
	}
}

// TestCoreSymlinkMtime: lutimes stores the link's mtime with a metadata
// copy (the body stays the target); a new mount shows it after a lookup.
func TestCoreSymlinkMtime(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	l, err := c.fsys.Root().Symlink(ctx, "target", "l")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Unix(1500000000, 250)
	if a, err := l.SetAttr(ctx, AttrChange{Mtime: when, HasMtime: true}); err != nil || !a.Mtime.Equal(when) {
		t.Fatalf("lutimes: %v, %v", a.Mtime, err)
	}
	mustStore(t, c.fake, "l.rclonelink", []byte("target"))
	l2 := lookupLink(t, reopen(t, c).fsys.Root(), "l")
	if a := l2.Attr(); !a.Mtime.Equal(when) {
		t.Fatalf("mtime after a remount: %v, want %v", a.Mtime, when)
	}
	mustReadlink(t, l2, "target")
}

// segmentLimited refuses, as MinIO does, a HEAD of a key with a segment
// over 255 bytes: invalid argument (400 Bad Request).
type segmentLimited struct{ remote.Client }

func (c segmentLimited) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	for seg := range strings.SplitSeq(key, "/") {
		if len(seg) > MaxNameLen {
			return remote.ObjectInfo{}, &remote.Error{Op: remote.OpHead, Bucket: bucket, Key: key, Kind: remote.ErrInvalidArgument, Code: "BadRequest"}
		}
	}
	return c.Client.Head(ctx, bucket, key)
}

// TestCoreLongNameLookupOnMinIO: on a server that refuses a key segment
// over 255 bytes, a lookup of a missing name of 245 to 255 bytes (whose
// NAME.rclonelink is such a segment) is ErrNotExist, not EINVAL, so that
// stat, create and mkdir of such names work; a file of that name is found.
func TestCoreLongNameLookupOnMinIO(t *testing.T) {
	c := newCoreFS(t, true)
	cfg := c.fsys.Config()
	cfg.Write.StageDir = t.TempDir()
	fsys, err := New(segmentLimited{c.count}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fsys.Close(context.Background()) })
	ctx := context.Background()
	root := fsys.Root()
	long := strings.Repeat("n", 250)
	put(t, c.fake, strings.Repeat("f", 250), []byte("x"), nil)
	mustNotExist(t, root, long)
	if a, err := lookupFile(t, root, strings.Repeat("f", 250)).Attr(ctx); err != nil || a.Size != 1 {
		t.Fatalf("a file of a 250-byte name: %+v, %v", a, err)
	}
	_, wh, err := root.Create(ctx, long, true)
	if err != nil {
		t.Fatalf("create of a 250-byte name: %v", err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wh.Release(ctx)
	mustStore(t, c.fake, long, nil)
}

// TestCoreRcloneLinkNamedDir: a directory may be named NAME.rclonelink:
// another client's prefix is found by a probe and from a listing alike,
// mkdir makes one, and a file of such a name stays EINVAL.
func TestCoreRcloneLinkNamedDir(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "x.rclonelink/f", []byte("f"), nil)
	c.count.Reset()
	x := lookupDir(t, root, "x.rclonelink") // no listing: a probe
	if n := c.count.Total(); n != 1 {
		t.Fatalf("lookup of a NAME.rclonelink directory sent %v, want one LIST", c.count.Snapshot())
	}
	lookupFile(t, x, "f")
	if _, err := root.OpenStream().Len(ctx); err != nil {
		t.Fatal(err)
	}
	lookupDir(t, root, "x.rclonelink") // from the listing
	if _, err := root.Mkdir(ctx, "y.rclonelink"); err != nil {
		t.Fatalf("mkdir y.rclonelink: %v", err)
	}
	lookupDir(t, root, "y.rclonelink")
	if _, _, err := root.Create(ctx, "z.rclonelink", false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create z.rclonelink: %v, want ErrInvalid", err)
	}
	put(t, c.fake, "w.rclonelink", []byte("target"), nil) // link w, not a directory
	mustNotExist(t, root, "w.rclonelink")
}
