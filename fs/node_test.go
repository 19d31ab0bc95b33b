package fs

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

func TestTreeOfBucket(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, nil)
	for _, k := range []string{"top.txt", "dir/", "dir/a", "dir/sub/b", "implicit/c", "dir//bad"} {
		put(t, h.fake, k, []byte("data of "+k), nil)
	}
	es, _, errno := h.readdir(rootID, false)
	if errno != 0 {
		t.Fatal(errno)
	}
	if got := strings.Join(entryNames(es), " "); got != "dir implicit top.txt" {
		t.Fatalf("root entries %q", got)
	}
	if es[0].Name != "." || es[1].Name != ".." {
		t.Fatalf("stream does not start with . and ..: %+v", es[:2])
	}
	dir := h.path("dir")
	es, _, _ = h.readdir(dir, false)
	if got := strings.Join(entryNames(es), " "); got != "a sub" {
		t.Fatalf("dir entries %q", got)
	}
	a := h.path("dir", "a")
	if got := h.readAll(a); string(got) != "data of dir/a" {
		t.Fatalf("content %q", got)
	}
	attr, errno := h.getattr(a)
	if errno != 0 || attr.Size != uint64(len("data of dir/a")) || attr.Mode != syscall.S_IFREG|0o644 || attr.Uid != 1000 {
		t.Fatalf("getattr %+v %v", attr, errno)
	}
	dattr, _ := h.getattr(dir)
	if dattr.Mode != syscall.S_IFDIR|0o755 {
		t.Fatalf("dir mode %o", dattr.Mode)
	}
	// d_ino equals st_ino.
	for _, e := range es {
		if e.Name == "a" && e.Ino != attr.Ino {
			t.Fatalf("d_ino %d, st_ino %d", e.Ino, attr.Ino)
		}
	}
	if _, errno := h.lookup(rootID, "missing"); errno != syscall.ENOENT {
		t.Fatalf("missing: %v", errno)
	}
	if !strings.Contains(h.log.String(), "dir//") {
		t.Fatalf("bad key not reported: %s", h.log)
	}
}

func TestTreeOfPrefix(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket, Prefix: "data/"}, nil)
	put(t, h.fake, "data/x", []byte("x"), nil)
	put(t, h.fake, "datafile", []byte("no"), nil)
	put(t, h.fake, "other/y", []byte("no"), nil)
	es, _, _ := h.readdir(rootID, true)
	if got := strings.Join(entryNames(es), " "); got != "x" {
		t.Fatalf("entries %q", got)
	}
	if got := h.readAll(h.path("x")); string(got) != "x" {
		t.Fatalf("content %q", got)
	}
}

func TestTreeOfAllBuckets(t *testing.T) {
	h := newHarness(t, vfs.Source{}, nil)
	if err := h.fake.CreateBucket(t.Context(), "second"); err != nil {
		t.Fatal(err)
	}
	put(t, h.fake, "k", []byte("v"), nil)
	es, _, _ := h.readdir(rootID, false)
	if got := strings.Join(entryNames(es), " "); got != "bucket second" {
		t.Fatalf("buckets %q", got)
	}
	if got := h.readAll(h.path(testBucket, "k")); string(got) != "v" {
		t.Fatalf("content %q", got)
	}
	// Without a fresh snapshot, a bucket lookup is a HeadBucket.
	h.clock.Advance(time.Hour)
	h.counting.Reset()
	if _, errno := h.lookup(rootID, "second"); errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := h.lookup(rootID, "nosuchbucket"); errno != syscall.ENOENT {
		t.Fatal(errno)
	}
	if n := h.counting.Count(remote.OpHeadBucket); n != 2 {
		t.Fatalf("%d HeadBucket", n)
	}
}

// ls -l on a large directory: one listing (streamed pages), no HEAD, no
// GET, whether the kernel uses READDIRPLUS or READDIR then LOOKUP+GETATTR.
func TestLsLongOneListingNoHead(t *testing.T) {
	for _, plus := range []bool{true, false} {
		t.Run(fmt.Sprint("plus=", plus), func(t *testing.T) {
			h := newHarness(t, vfs.Source{Bucket: testBucket}, nil)
			const n = 2500
			for i := 0; i < n; i++ {
				put(t, h.fake, fmt.Sprintf("big/f%05d", i), bytes.Repeat([]byte{1}, i%7), nil)
			}
			big := h.path("big")
			h.counting.Reset()
			es, outs, errno := h.readdir(big, plus)
			if errno != 0 {
				t.Fatal(errno)
			}
			names := entryNames(es)
			if len(names) != n || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != n {
				t.Fatalf("%d entries, sorted=%v", len(names), slices.IsSorted(names))
			}
			if plus {
				for i, out := range outs {
					if es[i].Name == "." || es[i].Name == ".." {
						continue
					}
					if out.NodeId == 0 || out.Attr.Size != uint64(i-2)%7 || out.EntryTimeout() == 0 {
						t.Fatalf("entry %s: %+v", es[i].Name, out)
					}
				}
			}
			for _, name := range names { // ls -l: lstat each entry
				out, errno := h.lookup(big, name)
				if errno != 0 {
					t.Fatal(name, errno)
				}
				if _, errno := h.getattr(out.NodeId); errno != 0 {
					t.Fatal(name, errno)
				}
			}
			got := h.counting.Snapshot()
			if got[remote.OpList] != 3 || got[remote.OpHead] != 0 || h.counting.Total() != 3 {
				t.Fatalf("requests %v, want 3 list pages only", got)
			}
		})
	}
}

// Attributes from a listing stay good for stat for ListTTL even when
// StatTTL is shorter (the kernel may stat long after readdir).
func TestStatAfterListingUsesListTTL(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.StatTTL = time.Second; c.ListTTL = time.Minute })
	put(t, h.fake, "f", []byte("abc"), nil)
	h.readdir(rootID, true)
	f := h.path("f")
	h.clock.Advance(30 * time.Second)
	h.counting.Reset()
	if a, errno := h.getattr(f); errno != 0 || a.Size != 3 {
		t.Fatal(a, errno)
	}
	if h.counting.Total() != 0 {
		t.Fatalf("requests %v", h.counting.Snapshot())
	}
	h.clock.Advance(31 * time.Second)
	if _, errno := h.getattr(f); errno != 0 {
		t.Fatal(errno)
	}
	if h.counting.Count(remote.OpHead) != 1 {
		t.Fatalf("stale attributes not refreshed: %v", h.counting.Snapshot())
	}
}

func TestLookupProbeAndNegativeCache(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.StatTTL = 5 * time.Second })
	put(t, h.fake, "f", []byte("abc"), map[string]string{remote.MetaMtime: "1500000000.5"})
	put(t, h.fake, "d/x", nil, nil)

	out, errno := h.lookup(rootID, "f")
	if errno != 0 || out.Attr.Size != 3 || out.Attr.Mtime != 1500000000 || out.Attr.Mtimensec != 5e8 {
		t.Fatalf("file via probe: %+v %v", out.Attr, errno)
	}
	if out.EntryTimeout() != 5*time.Second || out.AttrTimeout() != 5*time.Second {
		t.Fatalf("timeouts %v %v", out.EntryTimeout(), out.AttrTimeout())
	}
	if out, errno := h.lookup(rootID, "d"); errno != 0 || out.Attr.Mode&syscall.S_IFDIR == 0 {
		t.Fatalf("dir via probe: %v", errno)
	}
	h.counting.Reset()
	for i := 0; i < 3; i++ {
		if _, errno := h.lookup(rootID, "nope"); errno != syscall.ENOENT {
			t.Fatal(errno)
		}
	}
	if n := h.counting.Total(); n != 3 { // HEADs of the file and of NAME.rclonelink, one LIST, then cached
		t.Fatalf("negative lookups cost %d requests", n)
	}
	put(t, h.fake, "nope", []byte("now"), nil)
	h.clock.Advance(5 * time.Second)
	if _, errno := h.lookup(rootID, "nope"); errno != 0 {
		t.Fatalf("new object not seen after the TTL: %v", errno)
	}
	// Names that cannot exist cost nothing: over 255 bytes ENAMETOOLONG,
	// as a local file system answers.
	h.counting.Reset()
	if _, errno := h.lookup(rootID, strings.Repeat("x", 256)); errno != syscall.ENAMETOOLONG || h.counting.Total() != 0 {
		t.Fatal(errno, h.counting.Snapshot())
	}
}

func TestRewinddirRelistsWhenStale(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ListTTL = time.Second })
	put(t, h.fake, "a", nil, nil)
	var open fuse.OpenOut
	h.raw.OpenDir(nil, &fuse.OpenIn{InHeader: hdr(rootID)}, &open)
	readFrom := func(off uint64) []string {
		list := fuse.NewDirEntryList(make([]byte, 4096), off)
		h.raw.ReadDir(nil, &fuse.ReadIn{InHeader: hdr(rootID), Fh: open.Fh, Offset: off, Size: 4096}, list)
		es, _ := fuse.ParseDirEntries(list.Bytes())
		return entryNames(es)
	}
	if got := readFrom(0); !slices.Equal(got, []string{"a"}) {
		t.Fatal(got)
	}
	put(t, h.fake, "b", nil, nil)
	h.clock.Advance(time.Second)
	if got := readFrom(0); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after rewind: %v", got)
	}
	h.raw.ReleaseDir(&fuse.ReleaseIn{InHeader: hdr(rootID), Fh: open.Fh})
}

// With listing caching off, READDIRPLUS still answers its lookups from the
// stream's own snapshot, and stat of those nodes uses the listing's
// attributes while they are younger than StatTTL.
func TestReaddirPlusWithoutListCache(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ListTTL = vfs.NoCache })
	for i := 0; i < 50; i++ {
		put(t, h.fake, fmt.Sprintf("f%02d", i), []byte("x"), nil)
	}
	h.counting.Reset()
	es, outs, errno := h.readdir(rootID, true)
	if errno != 0 || len(entryNames(es)) != 50 {
		t.Fatal(errno, len(es))
	}
	for i, out := range outs {
		if es[i].Name == "." || es[i].Name == ".." {
			continue
		}
		if a, errno := h.getattr(out.NodeId); errno != 0 || a.Size != 1 {
			t.Fatal(es[i].Name, errno)
		}
	}
	if got := h.counting.Snapshot(); got[remote.OpList] != 1 || h.counting.Total() != 1 {
		t.Fatalf("requests %v, want one listing", got)
	}
}

// Revalidating a directory on a path after the TTLs costs one listing
// request, not a HEAD as well.
func TestRevalidateDirOneRequest(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "a/b/c", []byte("x"), nil)
	h.path("a", "b", "c")
	h.clock.Advance(time.Hour)
	h.counting.Reset()
	h.path("a", "b")
	if got := h.counting.Snapshot(); got[remote.OpList] != 2 || h.counting.Total() != 2 {
		t.Fatalf("requests %v, want 2 listings", got)
	}
}
