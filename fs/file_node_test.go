package fs

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

func TestOverwriteWhileOpen(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.BlockSize = 64 << 10; c.StatTTL = time.Second })
	old := pattern(256<<10, 1)
	put(t, h.fake, "f", old, nil)
	h.readdir(rootID, false) // a fresh listing snapshot holds the old version
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
	h.clock.Advance(time.Millisecond)
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
	// The EIO made the node's attributes stale, even against the fresh
	// listing that still has the old version: a new lookup and open pin
	// the new version without waiting for the TTLs.
	if f2 := h.path("f"); f2 != f {
		t.Fatalf("node changed: %d -> %d", f, f2)
	}
	if got := h.readAll(f); !bytes.Equal(got, fresh) {
		t.Fatal("new open did not see the new content")
	}
}

func TestOpenPagesCacheFlags(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.StatTTL = time.Second })
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
	for _, o := range []fuse.OpenOut{o1, o2, o3} {
		if o.OpenFlags&fuse.FOPEN_NOFLUSH == 0 {
			t.Fatalf("flags %x: a read-only open must spare close(2) its FLUSH", o.OpenFlags)
		}
	}
	w, errno := h.open(f, syscall.O_WRONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if w.OpenFlags&fuse.FOPEN_NOFLUSH != 0 {
		t.Fatalf("flags %x: a write open needs its FLUSH (close commits)", w.OpenFlags)
	}
	h.release(f, w.Fh)
	if data, errno := h.read(f, o3.Fh, 0, 100); errno != 0 || string(data) != "two!" {
		t.Fatalf("read %q %v", data, errno)
	}
	h.release(f, o2.Fh)
	h.release(f, o3.Fh)
}

func TestReadOnlyCalls(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ReadOnly = true })
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
	if _, st := h.raw.GetXAttr(nil, &fin, "security.selinux", make([]byte, 100)); st != fuse.ENOSYS {
		t.Fatalf("getxattr: %v, want ENOSYS (no xattrs on this mount)", st)
	}
	if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: fin}, "user.s3.etag", []byte("1")); st != fuse.Status(syscall.EROFS) {
		t.Fatalf("setxattr user.s3.etag: %v, want EROFS on a read-only mount", st)
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
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ReadOnly = true; c.FileMode = 0o664 })
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
	h := newHarness(t, vfs.Source{Bucket: testBucket}, nil)
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

// TestReaderFollowsWritesHere: a file open for reading sees what another
// handle of the same mount appended and closed (tail -f), instead of EOF
// at the old size or EIO for the version it pinned. A change by another
// client still gives EIO (TestOverwriteWhileOpen).
func TestReaderFollowsWritesHere(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("start\n"), nil)
	f := h.path("f")
	r, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if got, _ := h.read(f, r.Fh, 0, 100); string(got) != "start\n" {
		t.Fatalf("first read %q", got)
	}
	for i, line := range []string{"l1\n", "l2\n"} {
		w, errno := h.open(f, syscall.O_WRONLY|syscall.O_APPEND)
		if errno != 0 {
			t.Fatal(errno)
		}
		h.writeAll(f, w.Fh, int64(6+3*i), []byte(line))
		if errno := h.close(f, w.Fh); errno != 0 {
			t.Fatal(errno)
		}
		if got, errno := h.read(f, r.Fh, int64(6+3*i), 100); errno != 0 || string(got) != line {
			t.Fatalf("read after append %d: %q, %v; want %q", i, got, errno, line)
		}
	}
	if got, errno := h.read(f, r.Fh, 0, 100); errno != 0 || string(got) != "start\nl1\nl2\n" {
		t.Fatalf("read from the start: %q, %v", got, errno)
	}
	h.release(f, r.Fh)
}

// TestDeleteWhileOpen: an object another client deletes while it is open
// here reads as EIO (a change, logged once), not ENOENT, which read(2)
// never gives.
func TestDeleteWhileOpen(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.BlockSize = 64 << 10 })
	put(t, h.fake, "f", pattern(256<<10, 3), nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := h.read(f, o.Fh, 0, 4096); errno != 0 {
		t.Fatal(errno)
	}
	if err := h.fake.Delete(t.Context(), testBucket, "f"); err != nil {
		t.Fatal(err)
	}
	if _, errno := h.read(f, o.Fh, 192<<10, 4096); errno != syscall.EIO {
		t.Fatalf("read after delete: %v, want EIO", errno)
	}
	if !strings.Contains(h.log.String(), "changed while open") {
		t.Fatalf("no clear log line: %s", h.log)
	}
	h.release(f, o.Fh)
}

// With DirectIO every read-only open bypasses the page cache.
func TestOpenDirectIO(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ReadCache.DirectIO = true })
	put(t, h.fake, "f", []byte("data"), nil)
	f := h.path("f")
	for range 2 { // the second open would keep the cache without DirectIO
		o, errno := h.open(f, syscall.O_RDONLY)
		if errno != 0 {
			t.Fatal(errno)
		}
		if o.OpenFlags&fuse.FOPEN_DIRECT_IO == 0 || o.OpenFlags&fuse.FOPEN_KEEP_CACHE != 0 {
			t.Fatalf("flags %x: want direct I/O", o.OpenFlags)
		}
		if data, errno := h.read(f, o.Fh, 0, 100); errno != 0 || string(data) != "data" {
			t.Fatalf("read %q %v", data, errno)
		}
		h.release(f, o.Fh)
	}
}
