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
	"github.com/objfs/objfs/vfs/writeback"
)

// TestCreateIsVisibleBeforeAndAfterUpload: a file being written is seen
// by lookup, stat, readdir and reads on the same mount before S3 has it,
// and close uploads it with its mtime.
func TestCreateIsVisibleBeforeAndAfterUpload(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "other", []byte("x"), nil)
	h.readdir(rootID, true) // a cached listing, which the create must update
	node, fh, errno := h.create(rootID, "new.txt", syscall.O_WRONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	h.writeAll(node, fh, 0, []byte("hello, world"))
	if _, ok := h.object("new.txt"); ok {
		t.Fatal("uploaded before close")
	}
	if out, errno := h.lookup(rootID, "new.txt"); errno != 0 || out.NodeId != node || out.Attr.Size != 12 {
		t.Fatalf("lookup while writing: %+v %v", out, errno)
	}
	checkPlusSize(t, h, "new.txt", 12) // from the cached listing, updated at create
	h.clock.Advance(time.Hour)         // listings and stats expired: still answered
	if a, errno := h.getattr(node); errno != 0 || a.Size != 12 {
		t.Fatalf("getattr while writing: %+v %v", a, errno)
	}
	es, _, _ := h.readdir(rootID, true)
	if got := strings.Join(entryNames(es), " "); got != "new.txt other" {
		t.Fatalf("listing while writing: %q", got)
	}
	checkPlusSize(t, h, "new.txt", 12) // from a new listing
	if got := h.readAll(node); string(got) != "hello, world" {
		t.Fatalf("read while writing: %q", got)
	}
	if errno := h.close(node, fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("new.txt"); string(got) != "hello, world" {
		t.Fatalf("S3 holds %q", got)
	}
	a, _ := h.getattr(node)
	meta := h.head("new.txt").Metadata[remote.MetaMtime]
	if meta != writeback.FormatMtime(mtimeOf(a)) {
		t.Fatalf("x-amz-meta-mtime %q, stat says %v", meta, mtimeOf(a))
	}
	h.counting.Reset()
	if got := h.readAll(node); string(got) != "hello, world" {
		t.Fatalf("read after close: %q", got)
	}
}

// TestEmptyCreateIsOnePut: touch of a new name uploads an empty object.
func TestEmptyCreateIsOnePut(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket, Prefix: "p/"}, nil)
	node, fh, errno := h.create(rootID, "empty", syscall.O_WRONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if errno := h.close(node, fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("p/empty"); len(got) != 0 {
		t.Fatalf("content %q", got)
	}
	if n := h.counting.Count(remote.OpPut); n != 1 {
		t.Fatalf("%d PutObject", n)
	}
}

// TestWriteAppendOverwriteTruncate: rewrites of an existing object through
// handles and by path keep the right bytes.
func TestWriteAppendOverwriteTruncate(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("0123456789"), map[string]string{"keep": "me"})
	f := h.path("f")
	o, errno := h.open(f, syscall.O_WRONLY|syscall.O_APPEND)
	if errno != 0 {
		t.Fatal(errno)
	}
	h.writeAll(f, o.Fh, 10, []byte("AB"))
	h.writeAll(f, o.Fh, 2, []byte("xy"))
	if errno := h.close(f, o.Fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); string(got) != "01xy456789AB" {
		t.Fatalf("after append and overwrite: %q", got)
	}
	if h.head("f").Metadata["keep"] != "me" {
		t.Fatal("the rewrite dropped the object's other metadata")
	}
	if errno := h.truncate(f, 4); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); string(got) != "01xy" {
		t.Fatalf("after truncate by path: %q", got)
	}
	if errno := h.truncate(f, 6); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); string(got) != "01xy\x00\x00" {
		t.Fatalf("after extending: %q", got)
	}
	if errno := h.truncate(f, 0); errno != 0 {
		t.Fatal(errno)
	}
	if got, ok := h.object("f"); !ok || len(got) != 0 {
		t.Fatalf("after truncate to 0: %q %v", got, ok)
	}
	if a, _ := h.getattr(f); a.Size != 0 {
		t.Fatalf("size %d", a.Size)
	}
}

// TestOpenTruncRewrites: O_TRUNC (sent by the kernel as open then
// SETATTR with the handle) streams a new object.
func TestOpenTruncRewrites(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", pattern(1<<20, 1), nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_WRONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	in := fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_SIZE | fuse.FATTR_FH, Fh: o.Fh}}
	if _, errno := h.setattr(f, in); errno != 0 {
		t.Fatal(errno)
	}
	data := pattern(12<<20, 2)
	h.writeAll(f, o.Fh, 0, data)
	if errno := h.close(f, o.Fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); !bytes.Equal(got, data) {
		t.Fatalf("content differs (len %d)", len(got))
	}
	if h.counting.Count(remote.OpGet) != 0 || h.counting.Count(remote.OpUploadPart) != 3 {
		t.Fatalf("want a 3-part streamed upload without reading the old object: %v", h.counting.Snapshot())
	}
}

// TestSharedWriter: two handles of one file share the writer; a flush of
// either commits both handles' bytes.
func TestSharedWriter(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	node, fh1, _ := h.create(rootID, "s", syscall.O_RDWR)
	o2, errno := h.open(node, syscall.O_RDWR)
	if errno != 0 {
		t.Fatal(errno)
	}
	h.writeAll(node, fh1, 0, []byte("abc"))
	h.writeAll(node, o2.Fh, 3, []byte("def"))
	if got, errno := h.read(node, o2.Fh, 0, 100); errno != 0 || string(got) != "abcdef" {
		t.Fatalf("read %q %v", got, errno)
	}
	if errno := h.close(node, fh1); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("s"); string(got) != "abcdef" {
		t.Fatalf("S3 %q", got)
	}
	h.writeAll(node, o2.Fh, 6, []byte("g"))
	if errno := h.close(node, o2.Fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("s"); string(got) != "abcdefg" {
		t.Fatalf("S3 %q", got)
	}
}

// TestExclusiveCreateRace: O_EXCL when another client created the key
// after the lookup: the flush fails with EEXIST and the other object is
// left alone; a known key fails at create time.
func TestExclusiveCreateRace(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	node, fh, errno := h.create(rootID, "x", syscall.O_WRONLY|syscall.O_EXCL)
	if errno != 0 {
		t.Fatal(errno)
	}
	put(t, h.fake, "x", []byte("theirs"), nil)
	h.writeAll(node, fh, 0, []byte("mine"))
	if errno := h.close(node, fh); errno != syscall.EEXIST {
		t.Fatalf("close: %v, want EEXIST", errno)
	}
	if got := h.mustObject("x"); string(got) != "theirs" {
		t.Fatalf("object overwritten: %q", got)
	}
	n2, fh2, _ := h.create(rootID, "y", syscall.O_WRONLY)
	if _, _, errno := h.create(rootID, "y", syscall.O_WRONLY|syscall.O_EXCL); errno != syscall.EEXIST {
		t.Fatalf("second exclusive create of a file being written: %v", errno)
	}
	h.close(n2, fh2)
}

// TestFlushInterruptedStillCommits: an interrupted FLUSH (a signal while
// close waits) does not cut the upload.
func TestFlushInterruptedStillCommits(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	node, fh, _ := h.create(rootID, "i", syscall.O_WRONLY)
	h.writeAll(node, fh, 0, pattern(6<<20, 3))
	cancelled := make(chan struct{})
	close(cancelled)
	if errno := h.flushWith(cancelled, node, fh); errno != 0 {
		t.Fatalf("interrupted flush: %v", errno)
	}
	h.release(node, fh)
	if got := h.mustObject("i"); !bytes.Equal(got, pattern(6<<20, 3)) {
		t.Fatal("content differs")
	}
}

// TestFailedUploadIsEIOOnce: a failed upload gives EIO from close and from
// later writes on the handle; the release does not retry it, nothing
// appears in S3 and the file created through the mount disappears.
func TestFailedUploadIsEIOOnce(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	node, fh, _ := h.create(rootID, "doomed", syscall.O_WRONLY)
	h.writeAll(node, fh, 0, []byte("data"))
	h.fake.FailNext(remote.OpPut, remote.ErrTransient, 1)
	if errno := h.flush(node, fh); errno != syscall.EIO {
		t.Fatalf("flush: %v, want EIO", errno)
	}
	if errno := h.write(node, fh, 4, []byte("more")); errno != syscall.EIO {
		t.Fatalf("write after a failed upload: %v", errno)
	}
	puts := h.counting.Count(remote.OpPut)
	h.release(node, fh)
	if n := h.counting.Count(remote.OpPut); n != puts {
		t.Fatalf("release retried the upload (%d more PUTs)", n-puts)
	}
	if _, ok := h.object("doomed"); ok {
		t.Fatal("object exists")
	}
	if !strings.Contains(h.log.String(), "doomed") {
		t.Fatalf("failure not logged with the key: %s", h.log)
	}
	if _, errno := h.lookup(rootID, "doomed"); errno != syscall.ENOENT {
		t.Fatalf("lookup after the failed create: %v", errno)
	}
}

// TestCloseFlushesOpenFiles: FS.Close uploads what open files hold.
func TestCloseFlushesOpenFiles(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	node, fh, _ := h.create(rootID, "pending", syscall.O_WRONLY)
	h.writeAll(node, fh, 0, []byte("not yet flushed"))
	if err := h.fsys.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := h.mustObject("pending"); string(got) != "not yet flushed" {
		t.Fatalf("S3 %q", got)
	}
}

// TestUtimensAndChmod: utimens stores the mtime (a metadata copy when the
// content is unchanged), which stat then reports; chmod and chown store
// mode and owner the same way (x-amz-meta-mode, -uid, -gid); a directory
// stores them in its marker.
func TestUtimensAndChmod(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("content"), nil)
	f := h.path("f")
	when := time.Unix(1234567890, 123456789)
	in := fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MTIME | fuse.FATTR_ATIME,
		Mtime: uint64(when.Unix()), Mtimensec: uint32(when.Nanosecond())}}
	out, errno := h.setattr(f, in)
	if errno != 0 || !mtimeOf(out).Equal(when) {
		t.Fatalf("utimens: %v, mtime %v", errno, mtimeOf(out))
	}
	info := h.head("f")
	if info.Metadata[remote.MetaMtime] != "1234567890.123456789" || info.Size != 7 {
		t.Fatalf("object %+v", info)
	}
	if n := h.counting.Count(remote.OpCopy); n != 1 || h.counting.Count(remote.OpPut) != 0 {
		t.Fatalf("want one metadata copy: %v", h.counting.Snapshot())
	}
	h.clock.Advance(time.Hour)
	if a, _ := h.getattr(f); !mtimeOf(a).Equal(when) {
		t.Fatalf("stat after the TTL: %v", mtimeOf(a))
	}
	h.counting.Reset()
	out, errno = h.setattr(f, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE, Mode: 0o755}})
	if errno != 0 || out.Mode != syscall.S_IFREG|0o755 {
		t.Fatalf("chmod: %v, mode %o", errno, out.Mode)
	}
	out, errno = h.setattr(f, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_UID | fuse.FATTR_GID, Owner: fuse.Owner{Uid: 1000, Gid: 1001}}})
	if errno != 0 || out.Owner.Uid != 1000 || out.Owner.Gid != 1001 || out.Mode != syscall.S_IFREG|0o755 {
		t.Fatalf("chown: %v, %+v", errno, out)
	}
	info = h.head("f")
	if m := info.Metadata; m[remote.MetaMode] != "0100755" || m[remote.MetaUID] != "1000" || m[remote.MetaGID] != "1001" ||
		m[remote.MetaMtime] != "1234567890.123456789" {
		t.Fatalf("metadata after chmod and chown: %v", m)
	}
	if n := h.counting.Count(remote.OpCopy); n != 2 || h.mutations() != 2 {
		t.Fatalf("want two metadata copies: %v", h.counting.Snapshot())
	}
	h.counting.Reset()
	if out, errno := h.setattr(f, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE, Mode: 0o755}}); errno != 0 || out.Mode != syscall.S_IFREG|0o755 {
		t.Fatalf("chmod to the same mode: %v", errno)
	}
	if n := h.mutations(); n != 0 {
		t.Fatalf("chmod to the mode stored sent %d changes", n)
	}
	if _, errno := h.setattr(rootID, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE | fuse.FATTR_MTIME}}); errno != 0 {
		t.Fatalf("setattr of the bucket's root: %v", errno)
	}
	put(t, h.fake, "d/x", nil, nil)
	d := h.path("d")
	if out, errno := h.setattr(d, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE, Mode: 0o700}}); errno != 0 || out.Mode != syscall.S_IFDIR|0o700 {
		t.Fatalf("chmod of a directory: %v, mode %o", errno, out.Mode)
	}
	if m := h.head("d/").Metadata; m[remote.MetaMode] != "040700" {
		t.Fatalf("the directory's marker: %v", m)
	}
}

// TestFixedModeAndOwner: with the mount's mode and owner fixed (flags given
// explicitly), stat shows them whatever the object stores, and chmod and
// chown are accepted and send nothing; without, stored values win.
func TestFixedModeAndOwner(t *testing.T) {
	meta := map[string]string{remote.MetaMode: "33261", remote.MetaUID: "1234", remote.MetaGID: "99"} // s3fs's decimal 0100755
	fixed := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) {
		c.UID, c.GID, c.FileMode = 7, 8, 0o640
		c.Fixed = vfs.FixedAttrs{UID: true, GID: true, FileMode: true, DirMode: true}
	})
	put(t, fixed.fake, "f", []byte("x"), meta)
	f := fixed.path("f")
	if a, errno := fixed.getattr(f); errno != 0 || a.Mode != syscall.S_IFREG|0o640 || a.Owner.Uid != 7 || a.Owner.Gid != 8 {
		t.Fatalf("fixed: %v, %+v", errno, a)
	}
	fixed.counting.Reset()
	in := fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE | fuse.FATTR_UID | fuse.FATTR_GID, Mode: 0o600, Owner: fuse.Owner{Uid: 1, Gid: 1}}}
	if out, errno := fixed.setattr(f, in); errno != 0 || out.Mode != syscall.S_IFREG|0o640 {
		t.Fatalf("chmod on a fixed mount: %v, %+v", errno, out)
	}
	if n := fixed.mutations(); n != 0 {
		t.Fatalf("chmod and chown of fixed values sent %d changes", n)
	}

	stored := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.UID, c.GID = 7, 8 })
	put(t, stored.fake, "f", []byte("x"), meta)
	put(t, stored.fake, "g", []byte("x"), map[string]string{remote.MetaMode: "0100600"}) // rclone's octal
	if a, errno := stored.getattr(stored.path("f")); errno != 0 || a.Mode != syscall.S_IFREG|0o755 || a.Owner.Uid != 1234 || a.Owner.Gid != 99 {
		t.Fatalf("stored (s3fs): %v, %+v", errno, a)
	}
	if a, errno := stored.getattr(stored.path("g")); errno != 0 || a.Mode != syscall.S_IFREG|0o600 || a.Owner.Uid != 7 || a.Owner.Gid != 8 {
		t.Fatalf("stored (rclone): %v, %+v", errno, a)
	}
}

// TestToolSequenceRequests: what tar, cp -p and rsync do per file (the
// kernel's lookup of the name, an exclusive create, write, close,
// utimens, a lookup of the final name and the rename into place) costs
// the two lookups (HEADs of the name and of NAME.rclonelink and a
// one-key listing each), one PUT, one
// metadata copy, and the rename's copy and delete: the exclusive create
// trusts the lookup that just found the name missing, and nothing the
// mount just wrote is asked for again.
func TestToolSequenceRequests(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	d, _ := h.mkdir(rootID, "d")
	h.counting.Reset()
	if _, errno := h.lookup(d, ".tmp"); errno != syscall.ENOENT {
		t.Fatal(errno)
	}
	node, fh, errno := h.create(d, ".tmp", syscall.O_WRONLY|syscall.O_EXCL)
	if errno != 0 {
		t.Fatal(errno)
	}
	h.writeAll(node, fh, 0, []byte("payload"))
	if errno := h.close(node, fh); errno != 0 {
		t.Fatal(errno)
	}
	when := time.Unix(1600000000, 42)
	in := fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MTIME, Mtime: uint64(when.Unix()), Mtimensec: uint32(when.Nanosecond())}}
	if _, errno := h.setattr(node, in); errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := h.lookup(d, "final"); errno != syscall.ENOENT {
		t.Fatal(errno)
	}
	if errno := h.rename(d, ".tmp", d, "final", 0); errno != 0 {
		t.Fatal(errno)
	}
	got := h.counting.Snapshot()
	want := map[string]int64{remote.OpHead: 4, remote.OpList: 2, remote.OpPut: 1, remote.OpCopy: 2, remote.OpDelete: 1}
	for op, n := range got {
		if n != want[op] {
			t.Fatalf("requests %v, want %v", got, want)
		}
	}
	if h.head("d/final").Metadata[remote.MetaMtime] != writeback.FormatMtime(when) {
		t.Fatalf("metadata %v", h.head("d/final").Metadata)
	}
}

// checkPlusSize checks the size READDIRPLUS of the root gives for name.
func checkPlusSize(t *testing.T, h *harness, name string, want uint64) {
	t.Helper()
	es, outs, errno := h.readdir(rootID, true)
	for i, e := range es {
		if e.Name == name {
			if outs[i].Attr.Size != want {
				t.Fatalf("READDIRPLUS gives %s size %d, want %d", name, outs[i].Attr.Size, want)
			}
			return
		}
	}
	t.Fatalf("READDIRPLUS does not list %s (%v)", name, errno)
}
