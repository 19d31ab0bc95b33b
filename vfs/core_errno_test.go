package vfs

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// Core tests of the errno answers a POSIX conformance suite (pjdfstest)
// checks, and of when a new file reaches S3, driven without a mount.

// TestCoreNameTooLong: a lookup of a name over 255 bytes, or of a name
// whose key would pass S3's 1024 bytes, is ErrNameTooLong (ENAMETOOLONG
// for stat, unlink, rmdir, truncate, chmod: the kernel looks the name up
// first), not ErrNotExist, and sends nothing; so is a rename from such a
// name.
func TestCoreNameTooLong(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	long := strings.Repeat("n", MaxNameLen+1)
	if _, err := root.Lookup(ctx, long); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("lookup of a 256-byte name: %v, want ErrNameTooLong", err)
	}
	if _, err := root.Lookup(ctx, strings.Repeat("n", MaxNameLen)); !errors.Is(err, ErrNotExist) {
		t.Fatalf("lookup of a 255-byte name: %v, want ErrNotExist", err)
	}
	put(t, c.fake, "f", []byte("x"), nil)
	if err := root.Rename(ctx, long, root, "g", 0); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("rename from a 256-byte name: %v, want ErrNameTooLong", err)
	}
	if err := root.Rename(ctx, "f", root, long, 0); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("rename to a 256-byte name: %v, want ErrNameTooLong", err)
	}

	// Five directories of 200 bytes: a 30-byte name makes a key of 1035.
	d := root
	for i := range 5 {
		seg := strings.Repeat(string(rune('a'+i)), 200)
		put(t, c.fake, keyOf(i)+seg+"/", nil, nil)
		d = lookupDir(t, d, seg)
	}
	c.count.Reset()
	if _, err := d.Lookup(ctx, strings.Repeat("k", 30)); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("lookup of a name whose key passes 1024 bytes: %v, want ErrNameTooLong", err)
	}
	if _, err := root.Lookup(ctx, long); !errors.Is(err, ErrNameTooLong) {
		t.Fatal(err)
	}
	if n := c.count.Total(); n != 0 {
		t.Fatalf("lookups of names too long sent %d requests: %v", n, c.count.Snapshot())
	}
}

// keyOf is the key prefix of the i-th nested directory of
// TestCoreNameTooLong.
func keyOf(i int) string {
	var b strings.Builder
	for j := range i {
		b.WriteString(strings.Repeat(string(rune('a'+j)), 200) + "/")
	}
	return b.String()
}

// TestCoreMkdirMarkerRefused: a server that refuses a directory marker as
// an invalid argument (MinIO for names of 247 to 255 bytes, whose marker
// it stores as NAME__XLDIR__) refuses its name: ErrNameTooLong, not the
// storage error's EINVAL.
func TestCoreMkdirMarkerRefused(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	c.fake.FailNext(remote.OpPut, remote.ErrInvalidArgument, 1)
	_, err := c.fsys.Root().Mkdir(ctx, strings.Repeat("m", 250))
	if !errors.Is(err, ErrNameTooLong) || errors.Is(err, remote.ErrInvalidArgument) {
		t.Fatalf("mkdir refused by the server: %v, want ErrNameTooLong only", err)
	}
	if _, err := c.fsys.Root().Mkdir(ctx, strings.Repeat("m", MaxNameLen+1)); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("mkdir of a 256-byte name: %v", err)
	}
}

// TestCoreFileTooBig: a truncate, fallocate or write that would make a
// file larger than S3's largest object (5 TiB) is ErrFileTooBig at once:
// through a handle and by path, nothing changes and nothing is sent.
func TestCoreFileTooBig(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "old", []byte("old content"), nil)
	old := lookupFile(t, root, "old")

	f, wh, err := root.Create(ctx, "new", false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, wh, []byte("abc"), 0)
	c.count.Reset()
	const eightTiB = 8 << 40
	if _, err := f.SetAttr(ctx, AttrChange{Size: eightTiB, HasSize: true}, true); !errors.Is(err, ErrFileTooBig) {
		t.Fatalf("ftruncate to 8 TiB: %v, want ErrFileTooBig", err)
	}
	if _, err := f.SetAttr(ctx, AttrChange{Size: MaxFileSize + 1, HasSize: true}, true); !errors.Is(err, ErrFileTooBig) {
		t.Fatalf("ftruncate to 5 TiB + 1: %v, want ErrFileTooBig", err)
	}
	if n, err := wh.Write(ctx, []byte("x"), MaxFileSize); !errors.Is(err, ErrFileTooBig) || n != 0 {
		t.Fatalf("write of the byte past 5 TiB: %d, %v; want ErrFileTooBig", n, err)
	}
	if err := wh.Allocate(ctx, MaxFileSize, 1, 0); !errors.Is(err, ErrFileTooBig) {
		t.Fatalf("fallocate past 5 TiB: %v, want ErrFileTooBig", err)
	}
	if _, err := old.SetAttr(ctx, AttrChange{Size: eightTiB, HasSize: true}, false); !errors.Is(err, ErrFileTooBig) {
		t.Fatalf("truncate by path to 8 TiB: %v, want ErrFileTooBig", err)
	}
	if n := c.count.Total(); n != 0 {
		t.Fatalf("refused sizes sent %d requests: %v", n, c.count.Snapshot())
	}
	if a, err := f.Attr(ctx); err != nil || a.Size != 3 {
		t.Fatalf("size after the refusals: %+v, %v; want 3", a, err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wh.Release(ctx)
	mustStore(t, c.fake, "new", []byte("abc"))
	mustStore(t, c.fake, "old", []byte("old content"))
}

// TestCoreUnlinkedOpenFileAttr: fstat of a file open when it was removed
// reports it unlinked (st_nlink 0); before, it is linked.
func TestCoreUnlinkedOpenFileAttr(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	f, wh, err := root.Create(ctx, "f", false)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Release(ctx)
	write(t, wh, []byte("data"), 0)
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := f.Attr(ctx); err != nil || a.Unlinked {
		t.Fatalf("attr of a linked file: %+v, %v", a, err)
	}
	put(t, c.fake, "r", []byte("read only"), nil)
	r := lookupFile(t, root, "r")
	rh := openRead(t, r)
	defer rh.Release(ctx)

	for _, name := range []string{"f", "r"} {
		if err := root.Unlink(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []*File{f, r} {
		a, err := n.Attr(ctx)
		if err != nil || !a.Unlinked {
			t.Fatalf("attr of %s after unlink: %+v, %v; want Unlinked", n.Path(), a, err)
		}
	}
	if a, err := f.Attr(ctx); err != nil || a.Size != 4 {
		t.Fatalf("size after unlink %+v, %v", a, err)
	}
}

// TestCoreTruncateSameSize: a truncate to the size a file has, by path
// (truncate(2), and open with O_TRUNC of an empty file, which the kernel
// sends alike) or through a handle (ftruncate), moves its mtime, as
// POSIX requires of ftruncate and O_TRUNC: one metadata-only copy, the
// content and mode kept.
func TestCoreTruncateSameSize(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "f", []byte("data"), map[string]string{remote.MetaMtime: "1600000000.5", "mode": "0100600"})
	put(t, c.fake, "g", []byte("gggg"), map[string]string{remote.MetaMtime: "1600000000.5"})
	f := lookupFile(t, root, "f")
	c.count.Reset()
	a, err := f.SetAttr(ctx, AttrChange{Size: 4, HasSize: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mtime.Unix() == 1600000000 || a.Size != 4 || a.Mode != syscall.S_IFREG|0o600 {
		t.Fatalf("after truncate to the same size: %+v, want a new mtime, size 4, mode 0600", a)
	}
	if n, copies := c.count.Total(), c.count.Count(remote.OpCopy); copies != 1 || n > 2 {
		t.Fatalf("truncate to the same size sent %v, want one metadata-only copy (and at most a HEAD)", c.count.Snapshot())
	}
	mustStore(t, c.fake, "f", []byte("data"))

	g := lookupFile(t, root, "g")
	wh := openWriteH(t, g, syscall.O_RDWR)
	if _, err := g.SetAttr(ctx, AttrChange{Size: 4, HasSize: true}, true); err != nil {
		t.Fatal(err)
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wh.Release(ctx)
	ga, err := lookupFile(t, reopen(t, c).fsys.Root(), "g").Attr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ga.Mtime.Unix() == 1600000000 {
		t.Fatalf("ftruncate to the same size kept the mtime %v", ga.Mtime)
	}
	mustStore(t, c.fake, "g", []byte("gggg"))
}
