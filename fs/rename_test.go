package fs

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// TestRenameFile: a rename copies then deletes, keeps the metadata, moves
// the node (reads through it see the new key), replaces an existing file,
// and commits a file being written first.
func TestRenameFile(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "a", []byte("aaa"), map[string]string{remote.MetaMtime: "1000.5"})
	put(t, h.fake, "b", []byte("bbb"), nil)
	a := h.path("a")
	if errno := h.rename(rootID, "a", rootID, "b", 0); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("a"); ok {
		t.Fatal("source left")
	}
	if got := h.mustObject("b"); string(got) != "aaa" || h.head("b").Metadata[remote.MetaMtime] != "1000.5" {
		t.Fatalf("target %q %v", got, h.head("b").Metadata)
	}
	if got := h.readAll(a); string(got) != "aaa" {
		t.Fatalf("read through the moved node: %q", got)
	}
	if out, errno := h.lookup(rootID, "b"); errno != 0 || out.NodeId != a {
		t.Fatalf("lookup of the new name: %v, node %d want %d", errno, out.NodeId, a)
	}
	if _, errno := h.lookup(rootID, "a"); errno != syscall.ENOENT {
		t.Fatalf("lookup of the old name: %v", errno)
	}

	// A file being written moves with its data and keeps its handle.
	node, fh, _ := h.create(rootID, "w", syscall.O_WRONLY)
	h.writeAll(node, fh, 0, []byte("first"))
	if errno := h.rename(rootID, "w", rootID, "moved", 0); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("moved"); string(got) != "first" {
		t.Fatalf("moved %q", got)
	}
	h.writeAll(node, fh, 5, []byte("+second"))
	if errno := h.close(node, fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("moved"); string(got) != "first+second" {
		t.Fatalf("moved after more writes %q", got)
	}
	if _, ok := h.object("w"); ok {
		t.Fatal("the handle wrote to the old name")
	}
}

// TestRenameOverOpenFile: a file open for reading that a rename replaces
// (an editor's save) keeps reading its own content, as on a local file
// system, and the new name holds the new content.
func TestRenameOverOpenFile(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "cfg", []byte("original\n"), nil)
	put(t, h.fake, "cfg.tmp", []byte("new\n"), nil)
	cfg := h.path("cfg")
	o, errno := h.open(cfg, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if errno := h.rename(rootID, "cfg.tmp", rootID, "cfg", 0); errno != 0 {
		t.Fatal(errno)
	}
	if got, errno := h.read(cfg, o.Fh, 0, 100); errno != 0 || string(got) != "original\n" {
		t.Fatalf("the replaced file's handle reads %q, %v", got, errno)
	}
	h.release(cfg, o.Fh)
	if got := h.mustObject("cfg"); string(got) != "new\n" {
		t.Fatalf("S3 holds %q", got)
	}
	if got := h.readAll(h.path("cfg")); string(got) != "new\n" {
		t.Fatalf("a new open reads %q", got)
	}
}

// TestRenameErrors: flags, buckets and kinds.
func TestRenameErrors(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{}, nil)
	if err := h.fake.CreateBucket(t.Context(), "other"); err != nil {
		t.Fatal(err)
	}
	put(t, h.fake, "f", []byte("f"), nil)
	put(t, h.fake, "g", []byte("g"), nil)
	put(t, h.fake, "d/x", []byte("x"), nil)
	b := h.path(testBucket)
	other := h.path("other")
	cases := []struct {
		name          string
		dir           uint64
		from, to      string
		newDir        uint64
		flags         uint32
		want          syscall.Errno
		wantUnchanged bool
	}{
		{"across buckets", b, "f", "f", other, 0, syscall.EXDEV, true},
		{"exchange", b, "f", "g", b, 0x2 /* RENAME_EXCHANGE */, syscall.EINVAL, true},
		{"noreplace", b, "f", "g", b, vfs.RenameNoReplace, syscall.EEXIST, true},
		{"dir over file", b, "d", "g", b, 0, syscall.ENOTDIR, true},
		{"file over dir", b, "f", "d", b, 0, syscall.EISDIR, true},
		{"bucket", rootID, testBucket, "renamed", rootID, 0, syscall.EPERM, true},
		{"missing", b, "nope", "x", b, 0, syscall.ENOENT, true},
	}
	for _, c := range cases {
		if errno := h.rename(c.dir, c.from, c.newDir, c.to, c.flags); errno != c.want {
			t.Errorf("%s: %v, want %v", c.name, errno, c.want)
		}
	}
	if keys := h.keys(); !slices.Equal(keys, []string{"d/x", "f", "g"}) {
		t.Fatalf("keys changed: %v", keys)
	}
	if errno := h.rename(b, "f", b, "new", vfs.RenameNoReplace); errno != 0 {
		t.Fatalf("noreplace to a free name: %v", errno)
	}
}

// TestRenameDirectory: every key moves, nodes below follow, a non-empty
// target is refused and an empty one replaced.
func TestRenameDirectory(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	var want []string
	for i := range 30 {
		k := fmt.Sprintf("src/f%02d", i)
		if i%10 == 0 {
			k = fmt.Sprintf("src/sub/f%02d", i)
		}
		put(t, h.fake, k, []byte(k), nil)
		want = append(want, "dst/"+strings.TrimPrefix(k, "src/"))
	}
	put(t, h.fake, "src/", nil, nil)
	put(t, h.fake, "full/keep", []byte("k"), nil)
	put(t, h.fake, "empty/", nil, nil)
	sub := h.path("src", "sub")
	f := h.path("src", "sub", "f00")
	if errno := h.rename(rootID, "src", rootID, "full", 0); errno != syscall.ENOTEMPTY {
		t.Fatalf("onto a non-empty directory: %v", errno)
	}
	if errno := h.rename(rootID, "src", rootID, "empty", 0); errno != 0 {
		t.Fatal(errno)
	}
	keys := h.keys()
	for _, k := range keys {
		if strings.HasPrefix(k, "src") {
			t.Fatalf("source key left: %s", k)
		}
	}
	for _, k := range want {
		k = "empty/" + strings.TrimPrefix(k, "dst/")
		if got := h.mustObject(k); !bytes.Equal(got, []byte("src/"+strings.TrimPrefix(k, "empty/"))) {
			t.Fatalf("%s holds %q", k, got)
		}
	}
	if got := h.readAll(f); string(got) != "src/sub/f00" {
		t.Fatalf("read through a moved node: %q", got)
	}
	es, _, errno := h.readdir(sub, false)
	if errno != 0 || strings.Join(entryNames(es), " ") != "f00 f10 f20" {
		t.Fatalf("listing of a moved directory node: %v %v", entryNames(es), errno)
	}
	if _, errno := h.lookup(rootID, "src"); errno != syscall.ENOENT {
		t.Fatalf("old name: %v", errno)
	}
}

// TestRenameDirectoryFailureKeepsSource: a failed copy leaves the source
// whole and removes the partial copy.
func TestRenameDirectoryFailureKeepsSource(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	for i := range 20 {
		put(t, h.fake, fmt.Sprintf("src/%02d", i), []byte("x"), nil)
	}
	before := h.keys()
	h.fake.FailNext(remote.OpCopy, remote.ErrAccessDenied, 1)
	if errno := h.rename(rootID, "src", rootID, "dst", 0); errno != syscall.EACCES {
		t.Fatalf("rename with a failing copy: %v", errno)
	}
	if after := h.keys(); !slices.Equal(after, before) {
		t.Fatalf("keys after the failed rename: %v", after)
	}
}

// TestRenameDirectoryRepeatedToken: when the server repeats its
// continuation token while the source is listed, the rename fails (EIO)
// and moves nothing: every source key stays, no target key appears.
// rmdir of the directory (one short listing, no paging) still answers
// ENOTEMPTY and deletes nothing.
func TestRenameDirectoryRepeatedToken(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	for i := range 1001 { // the listing takes two pages of 1000
		put(t, h.fake, fmt.Sprintf("src/%04d", i), []byte("x"), nil)
	}
	before := h.keys()
	h.fake.RepeatListToken(true)
	if errno := h.rename(rootID, "src", rootID, "dst", 0); errno != syscall.EIO {
		t.Fatalf("rename against a server repeating its token: %v, want EIO", errno)
	}
	if errno := h.rmdir(rootID, "src"); errno != syscall.ENOTEMPTY {
		t.Fatalf("rmdir against a server repeating its token: %v, want ENOTEMPTY", errno)
	}
	h.fake.RepeatListToken(false) // h.keys pages through the fake itself
	if after := h.keys(); !slices.Equal(after, before) {
		t.Fatalf("keys changed by the failed rename: %d before, %d after", len(before), len(after))
	}
	if n := h.counting.Count(remote.OpCopy); n != 0 {
		t.Fatalf("%d copies sent", n)
	}
}

// TestRenameWhileOpenForReading: a file open for reading keeps reading
// blocks it never read after it, or its directory, is renamed on the
// mount (open descriptors follow the file), instead of asking S3 for the
// old key and failing with EIO.
func TestRenameWhileOpenForReading(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) {
		c.BlockSize = 64 << 10
		c.ReadCache.ReadaheadMax = vfs.NoReadahead
	})
	data := pattern(256<<10, 3)
	put(t, h.fake, "d/a", data, nil)
	a := h.path("d", "a")
	o, errno := h.open(a, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := h.read(a, o.Fh, 0, 4096); errno != 0 {
		t.Fatal(errno)
	}
	d := h.path("d")
	if errno := h.rename(d, "a", d, "b", 0); errno != 0 {
		t.Fatal(errno)
	}
	if got, errno := h.read(a, o.Fh, 128<<10, 4096); errno != 0 || string(got) != string(data[128<<10:132<<10]) {
		t.Fatalf("read after the file's rename: %v", errno)
	}
	if errno := h.rename(rootID, "d", rootID, "e", 0); errno != 0 {
		t.Fatal(errno)
	}
	if got, errno := h.read(a, o.Fh, 192<<10, 4096); errno != 0 || string(got) != string(data[192<<10:196<<10]) {
		t.Fatalf("read after the directory's rename: %v", errno)
	}
	h.release(a, o.Fh)
}
