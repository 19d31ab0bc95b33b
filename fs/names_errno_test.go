package fs

import (
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/vfs"
)

// TestNameErrnosMatchPlainMount: a tree restricted by a connector answers
// names as a plain one does (issue 11, item 6): a name over 255 bytes is
// ENAMETOOLONG for lookup, create, mkdir and as a rename target (not the
// ENOENT of a path no pattern reaches), before any request; a name with
// a backslash is an ordinary name.
func TestNameErrnosMatchPlainMount(t *testing.T) {
	long := strings.Repeat("n", 256)
	plain := newWriteHarness(t, vfs.Source{Bucket: "bucket"}, nil)
	conn := newConnectorHarness(t, "readwrite", "bucket/data/out/*")
	for _, tc := range []struct {
		name string
		h    *harness
		dir  uint64
	}{
		{"plain", plain, rootID},
		{"connector", conn, conn.path("bucket", "data", "out")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			h.counting.Reset()
			if _, errno := h.lookup(tc.dir, long); errno != syscall.ENAMETOOLONG {
				t.Errorf("lookup of a 256-byte name: %v, want ENAMETOOLONG", errno)
			}
			if _, _, errno := h.create(tc.dir, long, syscall.O_WRONLY); errno != syscall.ENAMETOOLONG {
				t.Errorf("create of a 256-byte name: %v, want ENAMETOOLONG", errno)
			}
			if _, errno := h.mkdir(tc.dir, long); errno != syscall.ENAMETOOLONG {
				t.Errorf("mkdir of a 256-byte name: %v, want ENAMETOOLONG", errno)
			}
			if n := h.counting.Total(); n != 0 {
				t.Errorf("names that cannot exist cost %d requests", n)
			}

			node, fh, errno := h.create(tc.dir, `a\b`, syscall.O_WRONLY)
			if errno != 0 {
				t.Fatalf(`create a\b: %v`, errno)
			}
			h.writeAll(node, fh, 0, []byte("x"))
			if errno := h.close(node, fh); errno != 0 {
				t.Fatalf(`close a\b: %v`, errno)
			}
			if errno := h.rename(tc.dir, `a\b`, tc.dir, long, 0); errno != syscall.ENAMETOOLONG {
				t.Errorf("rename to a 256-byte name: %v, want ENAMETOOLONG", errno)
			}
			if errno := h.rename(tc.dir, `a\b`, tc.dir, `c\d`, 0); errno != 0 {
				t.Errorf(`rename a\b to c\d: %v`, errno)
			}
			if _, errno := h.lookup(tc.dir, `c\d`); errno != 0 {
				t.Errorf(`lookup c\d: %v`, errno)
			}
			if _, errno := h.mkdir(tc.dir, `e\f`); errno != 0 {
				t.Errorf(`mkdir e\f: %v`, errno)
			}
		})
	}
}

// TestGoFuseLogsThroughSlog: go-fuse's own lines ("trySplice: ...") go to
// the tree's logger (--log-file) as warnings; with Debug, every operation
// at debug level.
func TestGoFuseLogsThroughSlog(t *testing.T) {
	h := newHarness(t, vfs.Source{Bucket: "bucket"}, nil)
	o := options(h.fsys, MountOptions{})
	if o.MountOptions.Logger == nil {
		t.Fatal("no logger: go-fuse would print to stderr")
	}
	h.log.Reset()
	o.MountOptions.Logger.Println("trySplice: broken pipe")
	if got := h.log.String(); !strings.Contains(got, "trySplice: broken pipe") || !strings.Contains(got, "level=WARN") {
		t.Errorf("the tree's log has %q, want the line as a warning", got)
	}
	if o := options(h.fsys, MountOptions{Debug: true}); o.MountOptions.Logger == nil {
		t.Fatal("no logger with Debug")
	}
}
