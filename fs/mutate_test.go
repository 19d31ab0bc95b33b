package fs

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// TestMkdirRmdir: mkdir writes a marker; the new directory is looked up
// in S3 like any other (another client may write below it at once: its
// object is found, and listed); rmdir refuses a directory with keys
// (asked of S3) or with a file being created, and removes an empty one.
func TestMkdirRmdir(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	d, errno := h.mkdir(rootID, "d")
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("d/"); !ok {
		t.Fatal("no marker")
	}
	h.counting.Reset()
	if _, errno := h.lookup(d, "nothing"); errno != syscall.ENOENT || h.counting.Total() != 3 {
		t.Fatalf("lookup in a new directory: %v, %v; want ENOENT from HEADs of the name and of name.rclonelink and a one-key listing", errno, h.counting.Snapshot())
	}
	put(t, h.fake, "d/other", []byte("another client's"), nil)
	if _, errno := h.lookup(d, "other"); errno != 0 {
		t.Fatalf("an object another client wrote in the new directory: %v", errno)
	}
	if es, _, errno := h.readdir(d, false); errno != 0 || !slices.ContainsFunc(es, func(e fuse.DirEntry) bool { return e.Name == "other" }) {
		t.Fatalf("the new directory's listing %v (%v) misses another client's object", es, errno)
	}
	if errno := h.unlink(d, "other"); errno != 0 {
		t.Fatal(errno)
	}
	node, fh, _ := h.create(d, "f", syscall.O_WRONLY)
	if errno := h.rmdir(rootID, "d"); errno != syscall.ENOTEMPTY {
		t.Fatalf("rmdir with a file being written: %v", errno)
	}
	h.close(node, fh)
	if errno := h.rmdir(rootID, "d"); errno != syscall.ENOTEMPTY {
		t.Fatalf("rmdir of a non-empty directory: %v", errno)
	}
	put(t, h.fake, "implicit/x", []byte("x"), nil)
	if errno := h.rmdir(rootID, "implicit"); errno != syscall.ENOTEMPTY {
		t.Fatalf("rmdir of a directory holding only a key S3 has (not the cache): %v", errno)
	}
	if errno := h.unlink(d, "f"); errno != 0 {
		t.Fatal(errno)
	}
	if errno := h.rmdir(rootID, "d"); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("d/"); ok {
		t.Fatal("marker left")
	}
	if _, errno := h.lookup(rootID, "d"); errno != syscall.ENOENT {
		t.Fatalf("lookup after rmdir: %v", errno)
	}
	if _, errno := h.mkdir(rootID, strings.Repeat("n", 256)); errno != syscall.ENAMETOOLONG {
		t.Fatalf("long name: %v", errno)
	}
}

// TestKeyTooLong: a create, mkdir or rename whose key would pass S3's
// 1024 bytes gives ENAMETOOLONG and sends nothing; 1024 bytes are fine.
func TestKeyTooLong(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	dir := uint64(rootID)
	for range 4 { // a 1020-byte prefix: "aaa…a/" four times, 255 bytes each
		var errno syscall.Errno
		if dir, errno = h.mkdir(dir, strings.Repeat("a", 254)); errno != 0 {
			t.Fatal(errno)
		}
	}
	h.counting.Reset()
	if _, errno := h.mkdir(dir, "abcd"); errno != syscall.ENAMETOOLONG { // "abcd/" is 1025 bytes
		t.Errorf("mkdir past 1024 bytes: %v", errno)
	}
	if _, _, errno := h.create(dir, "abcde", syscall.O_WRONLY); errno != syscall.ENAMETOOLONG {
		t.Errorf("create past 1024 bytes: %v", errno)
	}
	if n := h.counting.Total(); n != 0 {
		t.Errorf("%d requests sent for keys S3 refuses", n)
	}
	node, fh, errno := h.create(dir, "abcd", syscall.O_WRONLY) // 1024 bytes
	if errno != 0 {
		t.Fatalf("create of a 1024-byte key: %v", errno)
	}
	h.close(node, fh)
	if errno := h.rename(dir, "abcd", dir, "abcde", 0); errno != syscall.ENAMETOOLONG {
		t.Errorf("rename past 1024 bytes: %v", errno)
	}
}

// TestUnlinkWhileOpen: an unlinked file's handles keep working, nothing is
// uploaded for it, and a new file of the same name is another node.
func TestUnlinkWhileOpen(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("old"), nil)
	f := h.path("f")
	o, _ := h.open(f, syscall.O_RDWR)
	if errno := h.unlink(rootID, "f"); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("f"); ok {
		t.Fatal("object still there")
	}
	h.writeAll(f, o.Fh, 3, []byte("+new"))
	if got, errno := h.read(f, o.Fh, 0, 100); errno != 0 || string(got) != "old+new" {
		t.Fatalf("read of the unlinked file: %q %v", got, errno)
	}
	node, fh, errno := h.create(rootID, "f", syscall.O_WRONLY)
	if errno != 0 || node == f {
		t.Fatalf("create after unlink: node %d (old %d) %v", node, f, errno)
	}
	h.writeAll(node, fh, 0, []byte("fresh"))
	if errno := h.close(f, o.Fh); errno != 0 {
		t.Fatal(errno)
	}
	if errno := h.close(node, fh); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); string(got) != "fresh" {
		t.Fatalf("S3 %q", got)
	}
}

// TestUnlinkWhileOpenForReading: a file open only for reading keeps its
// whole content once removed (blocks never read before included), and
// nothing is uploaded for it.
func TestUnlinkWhileOpenForReading(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.BlockSize = 64 << 10 })
	data := pattern(300<<10, 7)
	put(t, h.fake, "f", data, nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if got, errno := h.read(f, o.Fh, 0, 4096); errno != 0 || !slices.Equal(got, data[:4096]) {
		t.Fatalf("first read: %v", errno)
	}
	if errno := h.unlink(rootID, "f"); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("f"); ok {
		t.Fatal("object still there")
	}
	if got, errno := h.read(f, o.Fh, 200<<10, 100<<10); errno != 0 || !slices.Equal(got, data[200<<10:]) {
		t.Fatalf("read of a block never read before, after unlink: %d bytes, %v", len(got), errno)
	}
	h.release(f, o.Fh)
	if _, ok := h.object("f"); ok {
		t.Fatal("the unlinked file was uploaded again")
	}
}

// TestUnlinkWhileOpenAfterForeignChange: a file open for reading whose
// object another client replaced, then removed through the mount, does
// not read the replacement's bytes (kept for the removal) after its own:
// EIO, as for any change while open.
func TestUnlinkWhileOpenAfterForeignChange(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) {
		c.BlockSize = 64 << 10
		c.ReadCache.ReadaheadMax = vfs.NoReadahead
	})
	put(t, h.fake, "f", pattern(300<<10, 7), nil)
	f := h.path("f")
	o, errno := h.open(f, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := h.read(f, o.Fh, 0, 4096); errno != 0 {
		t.Fatalf("first read: %v", errno)
	}
	put(t, h.fake, "f", pattern(300<<10, 8), nil) // another client
	if errno := h.unlink(rootID, "f"); errno != 0 {
		t.Fatal(errno)
	}
	if got, errno := h.read(f, o.Fh, 200<<10, 4096); errno != syscall.EIO {
		t.Fatalf("read of a block never read before: %d bytes, %v; want EIO", len(got), errno)
	}
	h.release(f, o.Fh)
}

// TestBucketsAtRoot: at the root of s3://, mkdir creates a bucket, rmdir
// deletes an empty one (ENOTEMPTY otherwise), files cannot be created.
func TestBucketsAtRoot(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{}, nil)
	d, errno := h.mkdir(rootID, "fresh-bucket")
	if errno != 0 {
		t.Fatal(errno)
	}
	if err := h.fake.HeadBucket(context.Background(), "fresh-bucket"); err != nil {
		t.Fatalf("bucket not created: %v", err)
	}
	es, _, _ := h.readdir(rootID, false)
	if !slices.Contains(entryNames(es), "fresh-bucket") {
		t.Fatalf("root lists %v", entryNames(es))
	}
	if _, errno := h.mkdir(rootID, testBucket); errno != syscall.EEXIST {
		t.Fatalf("mkdir of an existing bucket: %v", errno)
	}
	if _, _, errno := h.create(rootID, "file", syscall.O_WRONLY); errno != syscall.EPERM {
		t.Fatalf("file at the root: %v", errno)
	}
	node, fh, errno := h.create(d, "obj", syscall.O_WRONLY)
	if errno != 0 {
		t.Fatal(errno)
	}
	h.close(node, fh)
	if errno := h.rmdir(rootID, "fresh-bucket"); errno != syscall.ENOTEMPTY {
		t.Fatalf("rmdir of a non-empty bucket: %v", errno)
	}
	if errno := h.unlink(d, "obj"); errno != 0 {
		t.Fatal(errno)
	}
	if errno := h.rmdir(rootID, "fresh-bucket"); errno != 0 {
		t.Fatal(errno)
	}
	if err := h.fake.HeadBucket(context.Background(), "fresh-bucket"); err == nil {
		t.Fatal("bucket still there")
	}
	if _, errno := h.lookup(rootID, "fresh-bucket"); errno != syscall.ENOENT {
		t.Fatalf("lookup of the deleted bucket: %v", errno)
	}
}

// TestUnsupportedNodes: hard links and device nodes give EPERM, xattrs
// EOPNOTSUPP; a regular mknod creates an empty file, a symlink a link
// (stored as rclone stores it).
func TestUnsupportedNodes(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "f", []byte("x"), nil)
	f := h.path("f")
	var eo fuse.EntryOut
	in := hdr(rootID)
	if st := h.raw.Symlink(nil, &in, "f", "link", &eo); !st.Ok() || eo.Attr.Mode != syscall.S_IFLNK|0o777 || eo.Attr.Size != 1 {
		t.Fatalf("symlink: %v, %+v", st, eo.Attr)
	}
	if target, st := h.raw.Readlink(nil, &fuse.InHeader{NodeId: eo.NodeId}); !st.Ok() || string(target) != "f" {
		t.Fatalf("readlink: %q, %v", target, st)
	}
	if _, err := h.fake.Head(context.Background(), testBucket, "link.rclonelink"); err != nil {
		t.Fatalf("the link's object: %v", err)
	}
	if st := h.raw.Link(nil, &fuse.LinkIn{InHeader: hdr(rootID), Oldnodeid: f}, "hard", &eo); st != fuse.Status(syscall.EPERM) {
		t.Fatalf("link: %v", st)
	}
	if st := h.raw.Mknod(nil, &fuse.MknodIn{InHeader: hdr(rootID), Mode: syscall.S_IFIFO | 0o644}, "fifo", &eo); st != fuse.Status(syscall.EPERM) {
		t.Fatalf("mknod fifo: %v", st)
	}
	if st := h.raw.Mknod(nil, &fuse.MknodIn{InHeader: hdr(rootID), Mode: syscall.S_IFREG | 0o644}, "plain", &eo); st != fuse.OK {
		t.Fatalf("mknod regular: %v", st)
	}
	if got, ok := h.object("plain"); !ok || len(got) != 0 {
		t.Fatal("mknod did not create an empty object")
	}
	fin := hdr(f)
	if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: fin}, "user.x", []byte("1")); st != fuse.Status(syscall.EOPNOTSUPP) {
		t.Fatalf("setxattr: %v", st)
	}
	var co fuse.CopyFileRangeIn
	co.InHeader, co.NodeIdOut = fin, f
	if _, st := h.raw.CopyFileRange(nil, &co); st != fuse.Status(syscall.EOPNOTSUPP) {
		t.Fatalf("copy_file_range: %v", st)
	}
}

// TestReadOnlySendsNothing: on a read-only tree every mutating call gives
// EROFS and no request that could change the bucket is sent.
func TestReadOnlySendsNothing(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.ReadOnly = true })
	put(t, h.fake, "f", []byte("abc"), nil)
	put(t, h.fake, "d/", nil, nil)
	f, d := h.path("f"), h.path("d")
	calls := map[string]func() syscall.Errno{
		"open wronly": func() syscall.Errno { _, e := h.open(f, syscall.O_WRONLY); return e },
		"open trunc":  func() syscall.Errno { _, e := h.open(f, syscall.O_RDONLY|syscall.O_TRUNC); return e },
		"create":      func() syscall.Errno { _, _, e := h.create(rootID, "n", syscall.O_WRONLY); return e },
		"mkdir":       func() syscall.Errno { _, e := h.mkdir(rootID, "n"); return e },
		"unlink":      func() syscall.Errno { return h.unlink(rootID, "f") },
		"rmdir":       func() syscall.Errno { return h.rmdir(rootID, "d") },
		"rename":      func() syscall.Errno { return h.rename(rootID, "f", rootID, "g", 0) },
		"truncate":    func() syscall.Errno { return h.truncate(f, 1) },
		"utimens": func() syscall.Errno {
			_, e := h.setattr(f, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MTIME}})
			return e
		},
		"chmod dir": func() syscall.Errno {
			_, e := h.setattr(d, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE}})
			return e
		},
		"setxattr": func() syscall.Errno {
			return syscall.Errno(h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: hdr(f)}, "user.x", []byte("1")))
		},
		"symlink": func() syscall.Errno {
			var eo fuse.EntryOut
			in := hdr(rootID)
			return syscall.Errno(h.raw.Symlink(nil, &in, "f", "l", &eo))
		},
	}
	for name, call := range calls {
		if errno := call(); errno != syscall.EROFS {
			t.Errorf("%s: %v, want EROFS", name, errno)
		}
	}
	if n := h.mutations(); n != 0 {
		t.Fatalf("%d mutating requests sent: %v", n, h.counting.Snapshot())
	}
	if got := h.mustObject("f"); string(got) != "abc" {
		t.Fatalf("object changed: %q", got)
	}
	_ = remote.OpPut
}
