package fs

import (
	"slices"
	"syscall"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// newConnectorHarness is a writable s3:// tree restricted by a connector
// (access, paths), over a fake seeded with the keys of seeded.
func newConnectorHarness(t *testing.T, access string, paths ...string) *harness {
	t.Helper()
	src, err := vfs.ParseSource("s3://")
	if err != nil {
		t.Fatal(err)
	}
	conn := testConnector(t, "c", access, paths...)
	h := newWriteHarness(t, src, func(c *vfs.Config) { c.Connector = conn })
	seedKeys(t, h.fake, seeded...)
	h.counting.Reset()
	return h
}

// modeOf returns the permission bits of node.
func (h *harness) modeOf(node uint64) uint32 {
	h.t.Helper()
	a, errno := h.getattr(node)
	if errno != 0 {
		h.t.Fatalf("getattr: %v", errno)
	}
	return a.Mode & 0o777
}

// TestConnectorTreeShowsOnlyAllowed: listings hold exactly the allowed
// paths and the directories leading to them; everything else is ENOENT
// without a request.
func TestConnectorTreeShowsOnlyAllowed(t *testing.T) {
	h := newConnectorHarness(t, "readwrite", "bucket/data/out/*", "bucket/team.jpg")
	ls := func(names ...string) []string {
		t.Helper()
		es, _, errno := h.readdir(h.path(names...), true)
		if errno != 0 {
			t.Fatalf("readdir %q: %v", names, errno)
		}
		return entryNames(es)
	}
	for _, tc := range []struct {
		dir  []string
		want []string
	}{
		{nil, []string{"bucket"}},
		{[]string{"bucket"}, []string{"data", "team.jpg"}},
		{[]string{"bucket", "data"}, []string{"out"}},
		{[]string{"bucket", "data", "out"}, []string{"r1.txt"}},
	} {
		if got := ls(tc.dir...); !slices.Equal(got, tc.want) {
			t.Errorf("ls %q: %q, want %q", tc.dir, got, tc.want)
		}
	}
	h.counting.Reset()
	bucket, data := h.path("bucket"), h.path("bucket", "data")
	for _, tc := range []struct {
		dir  uint64
		name string
	}{
		{bucket, "other"}, {bucket, "team.jpgx"}, {bucket, "zz"}, {data, "a.csv"}, {data, "outer.txt"}, {rootID, "secret-bucket"},
	} {
		if _, errno := h.lookup(tc.dir, tc.name); errno != syscall.ENOENT {
			t.Errorf("lookup %q: %v, want ENOENT", tc.name, errno)
		}
	}
	if n := h.counting.Total(); n != 0 {
		t.Errorf("lookups of invisible names sent %d requests: %v", n, h.counting.Snapshot())
	}
}

// TestConnectorImpliedDirsReachable: a pattern below directories S3 does
// not hold yet is reachable by lookup alone (no listing first).
func TestConnectorImpliedDirsReachable(t *testing.T) {
	h := newConnectorHarness(t, "readwrite", "bucket/results/run1/*")
	dir := h.path("bucket", "results", "run1")
	if es, _, errno := h.readdir(dir, false); errno != 0 || len(entryNames(es)) != 0 {
		t.Fatalf("readdir results/run1: %q %v, want empty", entryNames(es), errno)
	}
	node, fh, errno := h.create(dir, "f.txt", syscall.O_WRONLY)
	if errno != 0 {
		t.Fatalf("create in results/run1: %v", errno)
	}
	h.writeAll(node, fh, 0, []byte("result"))
	if errno := h.close(node, fh); errno != 0 {
		t.Fatalf("close: %v", errno)
	}
	if got := string(h.mustObject("results/run1/f.txt")); got != "result" {
		t.Errorf("stored %q", got)
	}
}

// TestConnectorModeBits: write bits only where writing is allowed.
func TestConnectorModeBits(t *testing.T) {
	rw := newConnectorHarness(t, "readwrite", "bucket/data/out/*", "bucket/team.jpg")
	for _, tc := range []struct {
		path []string
		want uint32
	}{
		{nil, 0o555}, // no pattern reaches bucket creation
		{[]string{"bucket"}, 0o555},
		{[]string{"bucket", "data"}, 0o555},
		{[]string{"bucket", "data", "out"}, 0o755},
		{[]string{"bucket", "data", "out", "r1.txt"}, 0o644},
		{[]string{"bucket", "team.jpg"}, 0o644},
	} {
		if got := rw.modeOf(rw.path(tc.path...)); got != tc.want {
			t.Errorf("readwrite %q: mode %#o, want %#o", tc.path, got, tc.want)
		}
	}
	ro := newConnectorHarness(t, "read")
	for _, p := range [][]string{nil, {"bucket"}, {"bucket", "data"}, {"bucket", "team.jpg"}} {
		if got := ro.modeOf(ro.path(p...)); got&0o222 != 0 {
			t.Errorf("read %q: mode %#o has write bits", p, got)
		}
	}
	all := newConnectorHarness(t, "readwrite", "*")
	if got := all.modeOf(rootID); got != 0o755 {
		t.Errorf("readwrite *: root mode %#o, want 0755", got)
	}
}

// TestConnectorReadOnlyRefusesEverything: every change in a read
// connector is EROFS at the call itself, and nothing is sent.
func TestConnectorReadOnlyRefusesEverything(t *testing.T) {
	h := newConnectorHarness(t, "read", "bucket/*")
	bucket, data, team := h.path("bucket"), h.path("bucket", "data"), h.path("bucket", "team.jpg")
	h.counting.Reset()
	checks := map[string]func() syscall.Errno{
		"create":        func() syscall.Errno { _, _, e := h.create(bucket, "new.txt", syscall.O_WRONLY); return e },
		"open O_WRONLY": func() syscall.Errno { _, e := h.open(team, syscall.O_WRONLY); return e },
		"open O_TRUNC":  func() syscall.Errno { _, e := h.open(team, syscall.O_RDONLY|syscall.O_TRUNC); return e },
		"truncate":      func() syscall.Errno { return h.truncate(team, 0) },
		"chmod": func() syscall.Errno {
			_, e := h.setattr(team, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE, Mode: 0o600}})
			return e
		},
		"mkdir":         func() syscall.Errno { _, e := h.mkdir(bucket, "d"); return e },
		"mkdir bucket":  func() syscall.Errno { _, e := h.mkdir(rootID, "newbucket"); return e },
		"unlink":        func() syscall.Errno { return h.unlink(bucket, "team.jpg") },
		"rmdir":         func() syscall.Errno { return h.rmdir(bucket, "zz") },
		"rmdir bucket":  func() syscall.Errno { return h.rmdir(rootID, "bucket") },
		"rename":        func() syscall.Errno { return h.rename(bucket, "team.jpg", data, "t.jpg", 0) },
		"rename dir":    func() syscall.Errno { return h.rename(bucket, "data", bucket, "data2", 0) },
		"symlink":       func() syscall.Errno { return h.symlink(bucket, "team.jpg", "link") },
		"setxattr":      func() syscall.Errno { return h.setxattr(team, "user.x") },
		"chmod on root": func() syscall.Errno { return h.chmod(rootID) },
	}
	for name, call := range checks {
		if errno := call(); errno != syscall.EROFS {
			t.Errorf("%s: %v, want EROFS", name, errno)
		}
	}
	if n := h.mutations(); n != 0 {
		t.Errorf("refused changes sent %d changing requests: %v", n, h.counting.Snapshot())
	}
	if keys := listAllKeys(t, h.fake); !slices.Equal(keys, sortedCopy(seeded)) {
		t.Errorf("bucket changed: %q", keys)
	}
}

// TestConnectorReadWriteOutsidePatterns: inside the patterns changes work;
// outside them (in a visible directory) they give EACCES, sending nothing.
func TestConnectorReadWriteOutsidePatterns(t *testing.T) {
	h := newConnectorHarness(t, "readwrite", "bucket/data/out/*", "bucket/team.jpg")
	bucket, data, out := h.path("bucket"), h.path("bucket", "data"), h.path("bucket", "data", "out")
	h.counting.Reset()
	refused := map[string]func() syscall.Errno{
		"create in data":         func() syscall.Errno { _, _, e := h.create(data, "new.txt", syscall.O_WRONLY); return e },
		"create at bucket root":  func() syscall.Errno { _, _, e := h.create(bucket, "new.txt", syscall.O_WRONLY); return e },
		"mkdir in data":          func() syscall.Errno { _, e := h.mkdir(data, "d"); return e },
		"rmdir of a dir on way":  func() syscall.Errno { return h.rmdir(bucket, "data") },
		"rename out of patterns": func() syscall.Errno { return h.rename(out, "r1.txt", data, "r1.txt", 0) },
		"rename into patterns":   func() syscall.Errno { return h.rename(bucket, "data", out, "data", 0) },
		"mkdir bucket":           func() syscall.Errno { _, e := h.mkdir(rootID, "newbucket"); return e },
	}
	for name, call := range refused {
		if errno := call(); errno != syscall.EACCES {
			t.Errorf("%s: %v, want EACCES", name, errno)
		}
	}
	if n := h.mutations(); n != 0 {
		t.Errorf("refused changes sent %d changing requests: %v", n, h.counting.Snapshot())
	}
	node, fh, errno := h.create(out, "new.txt", syscall.O_WRONLY)
	if errno != 0 {
		t.Fatalf("create inside: %v", errno)
	}
	h.writeAll(node, fh, 0, []byte("inside"))
	if errno := h.close(node, fh); errno != 0 {
		t.Fatalf("close inside: %v", errno)
	}
	if errno := h.rename(out, "new.txt", out, "moved.txt", 0); errno != 0 {
		t.Fatalf("rename inside: %v", errno)
	}
	if got := string(h.mustObject("data/out/moved.txt")); got != "inside" {
		t.Errorf("moved object holds %q", got)
	}
	if _, ok := h.object("data/out/new.txt"); ok {
		t.Error("rename left the source")
	}
}

func (h *harness) symlink(dir uint64, target, name string) syscall.Errno {
	in := hdr(dir)
	var out fuse.EntryOut
	return syscall.Errno(h.raw.Symlink(nil, &in, target, name, &out))
}

func (h *harness) setxattr(node uint64, attr string) syscall.Errno {
	in := fuse.SetXAttrIn{InHeader: hdr(node), Size: 1}
	return syscall.Errno(h.raw.SetXAttr(nil, &in, attr, []byte("1")))
}

func (h *harness) chmod(node uint64) syscall.Errno {
	_, errno := h.setattr(node, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_MODE, Mode: 0o700}})
	return errno
}

// TestConnectorRenameAcrossBuckets: within one connector, a rename from
// one bucket to another gives EXDEV (so mv copies and deletes, each
// checked), sending nothing.
func TestConnectorRenameAcrossBuckets(t *testing.T) {
	h := newConnectorHarness(t, "readwrite", "*")
	if err := h.fake.CreateBucket(t.Context(), "bucket2"); err != nil {
		t.Fatal(err)
	}
	b1, b2 := h.path("bucket"), h.path("bucket2")
	h.counting.Reset()
	if errno := h.rename(b1, "team.jpg", b2, "team.jpg", 0); errno != syscall.EXDEV {
		t.Errorf("rename across buckets: %v, want EXDEV", errno)
	}
	if errno := h.rename(b1, "data", b2, "data", 0); errno != syscall.EXDEV {
		t.Errorf("rename of a directory across buckets: %v, want EXDEV", errno)
	}
	if n := h.mutations(); n != 0 {
		t.Errorf("refused renames sent %d changing requests", n)
	}
}
