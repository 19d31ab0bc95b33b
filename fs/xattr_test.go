package fs

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
	"golang.org/x/sys/unix"
)

// getxattr is GETXATTR of attr on node into a buffer of size bytes.
func (h *harness) getxattr(node uint64, attr string, size int) (uint32, []byte, syscall.Errno) {
	in := hdr(node)
	dest := make([]byte, size)
	n, st := h.raw.GetXAttr(nil, &in, attr, dest)
	if st != fuse.OK {
		return n, nil, syscall.Errno(st)
	}
	return n, dest[:n], 0
}

// listxattr is LISTXATTR of node into a buffer of size bytes.
func (h *harness) listxattr(node uint64, size int) (uint32, []byte, syscall.Errno) {
	in := hdr(node)
	dest := make([]byte, size)
	n, st := h.raw.ListXAttr(nil, &in, dest)
	if st != fuse.OK {
		return n, nil, syscall.Errno(st)
	}
	return n, dest[:n], 0
}

// TestXattrAdapter: a file's attributes through the adapter, with the
// size query (an empty buffer), ERANGE for a short buffer, ENODATA for
// other names without a request; directories have none; setxattr of a
// user.s3. name is accepted, of any other EOPNOTSUPP.
func TestXattrAdapter(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, func(c *vfs.Config) { c.Xattrs = true })
	info := put(t, h.fake, "d/f", []byte("hello"), map[string]string{"color": "blue"})
	f := h.path("d", "f")
	heads := h.counting.Count(remote.OpHead)

	for _, name := range []string{"security.selinux", "system.posix_acl_access", "security.capability", "trusted.x", "user.other"} {
		if _, _, errno := h.getxattr(f, name, 256); errno != errNoAttr {
			t.Fatalf("getxattr %s: %v, want ENODATA", name, errno)
		}
	}
	if got := h.counting.Count(remote.OpHead) - heads; got != 0 {
		t.Fatalf("%d HEADs for names outside user.s3.", got)
	}

	size, _, errno := h.listxattr(f, 0)
	if errno != syscall.ERANGE || size == 0 {
		t.Fatalf("size query: %d, %v (go-fuse turns this ERANGE into the size)", size, errno)
	}
	if _, _, errno := h.listxattr(f, int(size)-1); errno != syscall.ERANGE {
		t.Fatalf("listxattr into a short buffer: %v, want ERANGE", errno)
	}
	n, list, errno := h.listxattr(f, int(size))
	if errno != 0 || n != size {
		t.Fatalf("listxattr: %d, %v", n, errno)
	}
	want := "user.s3.etag\x00user.s3.last_modified\x00user.s3.meta.color\x00user.s3.storage_class\x00"
	if string(list) != want {
		t.Fatalf("list %q, want %q", list, want)
	}

	etag := strings.Trim(info.ETag, `"`)
	if size, _, errno := h.getxattr(f, "user.s3.etag", 0); errno != syscall.ERANGE || int(size) != len(etag) {
		t.Fatalf("etag size query: %d, %v", size, errno)
	}
	if _, _, errno := h.getxattr(f, "user.s3.etag", len(etag)-1); errno != syscall.ERANGE {
		t.Fatalf("etag into a short buffer: %v", errno)
	}
	if _, v, errno := h.getxattr(f, "user.s3.etag", 256); errno != 0 || string(v) != etag {
		t.Fatalf("etag %q, %v; want %q", v, errno, etag)
	}
	if _, v, errno := h.getxattr(f, "user.s3.meta.color", 256); errno != 0 || string(v) != "blue" {
		t.Fatalf("meta.color %q, %v", v, errno)
	}
	if _, _, errno := h.getxattr(f, "user.s3.version_id", 256); errno != errNoAttr {
		t.Fatalf("version_id on an unversioned bucket: %v, want ENODATA", errno)
	}
	if _, _, errno := h.getxattr(f, "user.s3.meta.nosuch", 256); errno != errNoAttr {
		t.Fatalf("missing meta: %v, want ENODATA", errno)
	}
	if got := h.counting.Count(remote.OpHead) - heads; got > 1 {
		t.Fatalf("%d HEADs for one file's attributes within the TTL, want at most 1", got)
	}

	d := h.path("d")
	if n, _, errno := h.listxattr(d, 256); errno != 0 || n != 0 {
		t.Fatalf("directory list: %d, %v; want empty", n, errno)
	}
	if _, _, errno := h.getxattr(d, "user.s3.etag", 256); errno != errNoAttr {
		t.Fatalf("directory etag: %v, want ENODATA", errno)
	}

	puts := h.counting.Count(remote.OpPut) + h.counting.Count(remote.OpCopy)
	for _, node := range []uint64{f, d} {
		if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: hdr(node)}, "user.s3.etag", []byte("x")); st != fuse.OK {
			t.Fatalf("setxattr user.s3.etag: %v, want accepted", st)
		}
		in := hdr(node)
		want := fuse.OK // the file shows it
		if node == d {
			want = fuse.Status(errNoAttr) // a directory shows none (POSIX: ENODATA)
		}
		if st := h.raw.RemoveXAttr(nil, &in, "user.s3.meta.color"); st != want {
			t.Fatalf("removexattr user.s3.meta.color: %v, want %v", st, want)
		}
		if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: hdr(node)}, "user.x", []byte("1")); st != fuse.Status(syscall.EOPNOTSUPP) {
			t.Fatalf("setxattr user.x: %v, want EOPNOTSUPP", st)
		}
	}
	// As POSIX asks of the names a node shows: XATTR_CREATE of one it has
	// is EEXIST; XATTR_REPLACE or removexattr of one it has not ENODATA.
	for _, c := range []struct {
		node  uint64
		name  string
		flags uint32
		want  fuse.Status
	}{
		{f, "user.s3.etag", unix.XATTR_CREATE, fuse.Status(syscall.EEXIST)},
		{f, "user.s3.meta.new", unix.XATTR_CREATE, fuse.OK},
		{f, "user.s3.meta.color", unix.XATTR_REPLACE, fuse.OK},
		{f, "user.s3.meta.nosuch", unix.XATTR_REPLACE, fuse.Status(errNoAttr)},
		{d, "user.s3.meta.nosuch", unix.XATTR_REPLACE, fuse.Status(errNoAttr)},
		{d, "user.s3.meta.new", unix.XATTR_CREATE, fuse.OK},
	} {
		if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: hdr(c.node), Flags: c.flags}, c.name, []byte("x")); st != c.want {
			t.Errorf("setxattr %s flags %d on %d: %v, want %v", c.name, c.flags, c.node, st, c.want)
		}
	}
	in := hdr(f)
	if st := h.raw.RemoveXAttr(nil, &in, "user.s3.meta.nosuch"); st != fuse.Status(errNoAttr) {
		t.Errorf("removexattr of a name the file does not show: %v, want ENODATA", st)
	}
	if got := h.counting.Count(remote.OpPut) + h.counting.Count(remote.OpCopy) - puts; got != 0 {
		t.Fatalf("setxattr sent %d writes", got)
	}
	if _, v, errno := h.getxattr(f, "user.s3.etag", 256); errno != 0 || !bytes.Equal(v, []byte(etag)) {
		t.Fatalf("etag after an ignored setxattr: %q, %v", v, errno)
	}
}

// TestXattrsOff: without vfs.Config.Xattrs (the default) getxattr is
// ENOSYS on every node, so that the kernel stops asking; listxattr is
// empty; setxattr of a user.s3. name is EOPNOTSUPP like any other; nothing
// is sent.
func TestXattrsOff(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "d/f", []byte("hello"), map[string]string{"color": "blue"})
	f, d := h.path("d", "f"), h.path("d")
	var eo fuse.EntryOut
	in := hdr(d)
	if st := h.raw.Symlink(nil, &in, "f", "l", &eo); !st.Ok() {
		t.Fatalf("symlink: %v", st)
	}
	before := h.counting.Total()
	for _, node := range []uint64{f, d, eo.NodeId} {
		for _, name := range []string{"user.s3.etag", "security.selinux"} {
			if _, _, errno := h.getxattr(node, name, 256); errno != syscall.ENOSYS {
				t.Fatalf("getxattr %s: %v, want ENOSYS", name, errno)
			}
		}
		if n, _, errno := h.listxattr(node, 256); errno != 0 || n != 0 {
			t.Fatalf("listxattr: %d, %v; want empty", n, errno)
		}
	}
	for _, node := range []uint64{f, d} {
		if st := h.raw.SetXAttr(nil, &fuse.SetXAttrIn{InHeader: hdr(node)}, "user.s3.etag", []byte("x")); st != fuse.Status(syscall.EOPNOTSUPP) {
			t.Fatalf("setxattr user.s3.etag: %v, want EOPNOTSUPP", st)
		}
	}
	if n := h.counting.Total() - before; n != 0 {
		t.Fatalf("%d requests with extended attributes off", n)
	}
}
