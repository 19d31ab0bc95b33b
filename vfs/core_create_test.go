package vfs

import (
	"context"
	"errors"
	"testing"

	"github.com/objfs/objfs/remote"
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

// TestCoreExclusiveCreateAsksS3: an O_EXCL create of a name the cached
// listing misses (another client created it since) is ErrExist at open,
// after one probe (HEADs of NAME and NAME.rclonelink and a one-key LIST
// of NAME/, in parallel) and no upload, and the name then shows on the
// mount; so is one over a directory or a link created since; one
// right after a lookup found the name missing sends nothing more; one of
// a name being created through the mount is ErrExist without a request.
func TestCoreExclusiveCreateAsksS3(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	s := root.OpenStream()
	if _, err := s.Len(ctx); err != nil { // the listing is now cached
		t.Fatal(err)
	}
	put(t, c.fake, "taken", []byte("theirs"), nil)
	mustNotExist(t, root, "taken") // the listing is trusted for ListTTL

	c.count.Reset()
	if _, _, err := root.Create(ctx, "taken", true); !errors.Is(err, ErrExist) {
		t.Fatalf("exclusive create over another client's object: %v, want ErrExist", err)
	}
	if got := c.count.Snapshot(); c.count.Total() > 3 || got[remote.OpHead] < 1 {
		t.Fatalf("requests %v, want one probe", got)
	}
	mustStore(t, c.fake, "taken", []byte("theirs"))
	if a, err := lookupFile(t, root, "taken").Attr(ctx); err != nil || a.Size != 6 {
		t.Fatalf("the name after the refused create: %+v, %v", a, err)
	}

	// A directory or a link made by someone else is also a name taken.
	put(t, c.fake, "adir/x", []byte("x"), nil)
	put(t, c.fake, "alink"+linkSuffix, []byte("target"), nil)
	for _, name := range []string{"adir", "alink"} {
		if _, _, err := root.Create(ctx, name, true); !errors.Is(err, ErrExist) {
			t.Fatalf("exclusive create over another client's %s: %v, want ErrExist", name, err)
		}
	}
	mustStore(t, c.fake, "adir/x", []byte("x"))
	mustNotStore(t, c.fake, "adir")
	mustNotStore(t, c.fake, "alink")

	// Absent from the listing and from S3: one probe, then created.
	c.count.Reset()
	_, wh, err := root.Create(ctx, "mine", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.count.Total(); n == 0 || n > 3 {
		t.Fatalf("%v for an exclusive create the listing alone says absent, want one probe", c.count.Snapshot())
	}
	if _, _, err := root.Create(ctx, "mine", true); !errors.Is(err, ErrExist) {
		t.Fatalf("exclusive create of a name being created: %v", err)
	}
	write(t, wh, []byte("mine"), 0)
	wh.Release(ctx)
	mustStore(t, c.fake, "mine", []byte("mine"))

	// In a directory without a listing, the kernel's lookup comes first:
	// its answer is trusted and the create sends nothing.
	d, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	mustNotExist(t, d, "new")
	c.count.Reset()
	_, wh, err = d.Create(ctx, "new", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.count.Total(); n != 0 {
		t.Fatalf("exclusive create right after a failed lookup sent %v", c.count.Snapshot())
	}
	wh.Release(ctx)
	mustStore(t, c.fake, "d/new", nil)
}

// TestCoreNewFileReachesS3WithItsContent: a new file reaches S3 once,
// with its content: a flush while it is still empty (a shell's
// redirection closes a duplicate before echo writes) sends nothing, the
// flush after the write sends one PutObject. An empty new file (touch) is
// uploaded by its last release, or by fsync.
func TestCoreNewFileReachesS3WithItsContent(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()

	f, wh, err := root.Create(ctx, "echo", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := uploads(c.count); n != 0 {
		t.Fatalf("flush of an empty new file sent %d uploads", n)
	}
	mustNotStore(t, c.fake, "echo")
	if got := lookupFile(t, root, "echo"); got != f {
		t.Fatal("the new file is not visible on the mount before it reaches S3")
	}
	write(t, wh, []byte("x\n"), 0)
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mustStore(t, c.fake, "echo", []byte("x\n"))
	wh.Release(ctx)
	if n := c.count.Count(remote.OpPut); n != 1 {
		t.Fatalf("%d PutObjects for echo x > f, want 1", n)
	}

	c.count.Reset()
	touched, wh, err := root.Create(ctx, "touched", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := touched.SetAttr(ctx, AttrChange{HasMtime: true, MtimeNow: true}, false); err != nil {
		t.Fatal(err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mustNotStore(t, c.fake, "touched")
	wh.Release(ctx)
	mustStore(t, c.fake, "touched", nil)

	// Renamed while still empty and open (touch tmp; mv tmp final): the
	// rename uploads it first, then moves it.
	_, wh, err = root.Create(ctx, "tmp", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := root.Rename(ctx, "tmp", root, "final", 0); err != nil {
		t.Fatalf("rename of an empty new file: %v", err)
	}
	wh.Release(ctx)
	mustStore(t, c.fake, "final", nil)
	mustNotStore(t, c.fake, "tmp")

	_, wh, err = root.Create(ctx, "synced", false)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Release(ctx)
	if err := wh.Fsync(ctx); err != nil {
		t.Fatal(err)
	}
	mustStore(t, c.fake, "synced", nil)
}
