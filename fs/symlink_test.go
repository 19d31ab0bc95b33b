package fs

import (
	"syscall"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// TestSymlinkListingAndReadlink: a link another tool stored
// (NAME.rclonelink) is listed as NAME with type link (d_type, and the
// READDIRPLUS attributes: S_IFLNK, the target's length), without a HEAD;
// readlink reads its target; unlink deletes its object.
func TestSymlinkListingAndReadlink(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	put(t, h.fake, "dir/f", []byte("x"), nil)
	put(t, h.fake, "dir/l.rclonelink", []byte("../target"), nil)
	dir := h.path("dir")
	h.counting.Reset()
	ents, outs, errno := h.readdir(dir, true)
	if errno != 0 {
		t.Fatal(errno)
	}
	var link uint64
	for i, e := range ents {
		if e.Name == "l" {
			if e.Mode != syscall.S_IFLNK || outs[i].Attr.Mode != syscall.S_IFLNK|0o777 || outs[i].Attr.Size != 9 {
				t.Fatalf("listed link: %+v, %+v", e, outs[i].Attr)
			}
			link = outs[i].NodeId
		}
		if e.Name == "l.rclonelink" {
			t.Fatal("the link's key is listed as a file")
		}
	}
	if link == 0 {
		t.Fatalf("no link in %+v", ents)
	}
	if n := h.counting.Count(remote.OpHead); n != 0 {
		t.Fatalf("the listing sent %d HEADs", n)
	}
	target, st := h.raw.Readlink(nil, &fuse.InHeader{NodeId: link})
	if !st.Ok() || string(target) != "../target" {
		t.Fatalf("readlink: %q, %v", target, st)
	}
	if errno := h.unlink(dir, "l"); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("dir/l.rclonelink"); ok {
		t.Fatal("unlink left the link's object")
	}
}
