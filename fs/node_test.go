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
)

func TestTreeOfBucket(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, nil)
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
	h := newHarness(t, Source{Bucket: testBucket, Prefix: "data/"}, nil)
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
	h := newHarness(t, Source{}, nil)
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
			h := newHarness(t, Source{Bucket: testBucket}, nil)
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
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.StatTTL = time.Second; c.ListTTL = time.Minute })
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
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.StatTTL = 5 * time.Second })
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
	if n := h.counting.Total(); n != 2 { // one HEAD + one LIST, then cached
		t.Fatalf("negative lookups cost %d requests", n)
	}
	put(t, h.fake, "nope", []byte("now"), nil)
	h.clock.Advance(5 * time.Second)
	if _, errno := h.lookup(rootID, "nope"); errno != 0 {
		t.Fatalf("new object not seen after the TTL: %v", errno)
	}
	// Names that cannot exist cost nothing.
	h.counting.Reset()
	if _, errno := h.lookup(rootID, strings.Repeat("x", 256)); errno != syscall.ENOENT || h.counting.Total() != 0 {
		t.Fatal(errno, h.counting.Snapshot())
	}
}

func TestOverwriteWhileOpen(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.BlockSize = 64 << 10; c.StatTTL = time.Second })
	old := pattern(256<<10, 1)
	put(t, h.fake, "f", old, nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if data, errno := h.read(f, o.Fh, 0, 4096); errno != 0 || !bytes.Equal(data, old[:4096]) {
		t.Fatal(errno)
	}
	fresh := pattern(256<<10, 2)
	put(t, h.fake, "f", fresh, nil)
	if _, errno := h.read(f, o.Fh, 128<<10, 4096); errno != syscall.EIO {
		t.Fatalf("read after overwrite: %v, want EIO", errno)
	}
	if !strings.Contains(h.log.String(), "changed while open") {
		t.Fatalf("no clear log line: %s", h.log)
	}
	if _, errno := h.read(f, o.Fh, 192<<10, 4096); errno != syscall.EIO {
		t.Fatalf("second read after overwrite: %v, want EIO", errno)
	}
	if n := strings.Count(h.log.String(), "changed while open"); n != 1 {
		t.Fatalf("%d log lines for one changed object, want 1", n)
	}
	h.release(f, o.Fh)
	// The EIO made the node's attributes stale: a new open pins the new
	// version without waiting for the TTL.
	if got := h.readAll(f); !bytes.Equal(got, fresh) {
		t.Fatal("new open did not see the new content")
	}
}

func TestOpenPagesCacheFlags(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.StatTTL = time.Second })
	put(t, h.fake, "f", []byte("one"), nil)
	f := h.path("f")
	o1, _ := h.open(f, syscall.O_RDONLY)
	h.release(f, o1.Fh)
	o2, _ := h.open(f, syscall.O_RDONLY)
	if o1.OpenFlags&fuse.FOPEN_KEEP_CACHE != 0 || o2.OpenFlags&fuse.FOPEN_KEEP_CACHE == 0 {
		t.Fatalf("flags %x %x: want the second open of the same version to keep the cache", o1.OpenFlags, o2.OpenFlags)
	}
	put(t, h.fake, "f", []byte("two!"), nil)
	h.clock.Advance(time.Second)
	o3, _ := h.open(f, syscall.O_RDONLY) // o2 (old version) still open
	if o3.OpenFlags&fuse.FOPEN_DIRECT_IO == 0 {
		t.Fatalf("flags %x: two versions open, want direct I/O", o3.OpenFlags)
	}
	if data, errno := h.read(f, o3.Fh, 0, 100); errno != 0 || string(data) != "two!" {
		t.Fatalf("read %q %v", data, errno)
	}
	h.release(f, o2.Fh)
	h.release(f, o3.Fh)
}

func TestReadOnlyCalls(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("abc"), nil)
	f := h.path("f")
	for _, flags := range []uint32{syscall.O_WRONLY, syscall.O_RDWR, syscall.O_RDONLY | syscall.O_TRUNC} {
		if _, errno := h.open(f, flags); errno != syscall.EROFS {
			t.Fatalf("open %x: %v", flags, errno)
		}
	}
	var eo fuse.EntryOut
	if st := h.raw.Mkdir(nil, &fuse.MkdirIn{InHeader: hdr(rootID)}, "new", &eo); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("mkdir: %v", st)
	}
	var co fuse.CreateOut
	if st := h.raw.Create(nil, &fuse.CreateIn{InHeader: hdr(rootID)}, "new", &co); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("create: %v", st)
	}
	in := hdr(rootID)
	if st := h.raw.Unlink(nil, &in, "f"); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("unlink: %v", st)
	}
	if st := h.raw.Rename(nil, &fuse.RenameIn{InHeader: hdr(rootID), Newdir: rootID}, "f", "g"); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("rename: %v", st)
	}
	var ao fuse.AttrOut
	if st := h.raw.SetAttr(nil, &fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{InHeader: hdr(f), Valid: fuse.FATTR_SIZE}}, &ao); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("truncate: %v", st)
	}
	fin := hdr(f)
	if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: fin}, "user.x", []byte("1")); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("setxattr: %v", st)
	}
	if _, st := h.raw.GetXAttr(nil, &fin, "security.selinux", make([]byte, 100)); st != fuse.ENOATTR {
		t.Fatalf("getxattr: %v", st)
	}
	if h.counting.Count(remote.OpPut)+h.counting.Count(remote.OpDelete)+h.counting.Count(remote.OpCopy) != 0 {
		t.Fatal("a refused call reached the server")
	}
	var sf fuse.StatfsOut
	if st := h.raw.StatFs(nil, &fin, &sf); st != fuse.OK || sf.Blocks == 0 || sf.NameLen != 255 {
		t.Fatalf("statfs %v %+v", st, sf)
	}
}

func TestReadOnlyModeBits(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.ReadOnly = true; c.FileMode = 0o664 })
	put(t, h.fake, "f", nil, nil)
	a, _ := h.getattr(h.path("f"))
	if a.Mode != syscall.S_IFREG|0o444 {
		t.Fatalf("mode %o", a.Mode)
	}
	if got := h.readAll(h.path("f")); len(got) != 0 || h.counting.Count(remote.OpGet) != 0 {
		t.Fatal("empty file needed a GET")
	}
}

func TestErrorsMapped(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("abc"), nil)
	h.fake.FailNext(remote.OpList, remote.ErrAccessDenied, 1)
	if _, _, errno := h.readdir(rootID, false); errno != syscall.EACCES {
		t.Fatalf("denied listing: %v", errno)
	}
	if !strings.Contains(h.log.String(), "access denied") {
		t.Fatalf("no log line: %s", h.log)
	}
	f := h.path("f")
	h.fake.FailNext(remote.OpGet, remote.ErrTransient, 1)
	o, _ := h.open(f, syscall.O_RDONLY)
	if _, errno := h.read(f, o.Fh, 0, 10); errno != syscall.EIO {
		t.Fatalf("transient read failure: %v", errno)
	}
	if data, errno := h.read(f, o.Fh, 0, 10); errno != 0 || string(data) != "abc" {
		t.Fatalf("read after a failure: %q %v", data, errno)
	}
	h.release(f, o.Fh)
}

func TestRewinddirRelistsWhenStale(t *testing.T) {
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.ListTTL = time.Second })
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
	h := newHarness(t, Source{Bucket: testBucket}, func(c *Config) { c.ListTTL = NoCache })
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
	h := newHarness(t, Source{Bucket: testBucket}, nil)
	put(t, h.fake, "a/b/c", []byte("x"), nil)
	h.path("a", "b", "c")
	h.clock.Advance(time.Hour)
	h.counting.Reset()
	h.path("a", "b")
	if got := h.counting.Snapshot(); got[remote.OpList] != 2 || h.counting.Total() != 2 {
		t.Fatalf("requests %v, want 2 listings", got)
	}
}
