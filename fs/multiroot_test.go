package fs

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/objfs/objfs/vfs"
)

// newMultiHarness drives a multi-connector root through go-fuse's bridge:
// raw (read, the whole bucket) and out (readwrite, bucket/data/out/*),
// both over one fake seeded with seeded.
func newMultiHarness(t *testing.T) (*harness, []Labeled) {
	t.Helper()
	fake, counting := newFake(t)
	seedKeys(t, fake, seeded...)
	clock := newTestClock()
	src, err := vfs.ParseSource("s3://")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var trees []Labeled
	for _, c := range []struct{ label, access, path string }{
		{"raw", "read", "bucket/*"}, {"out", "readwrite", "bucket/data/out/*"},
	} {
		cfg := vfs.Config{Source: src, UID: 1000, GID: 1000, Clock: clock.Now, Connector: testConnector(t, c.label, c.access, c.path),
			Logger: slog.New(slog.NewTextHandler(&buf, nil))}
		cfg.Write.StageDir = t.TempDir()
		f, err := vfs.New(counting, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close(t.Context()) })
		trees = append(trees, Labeled{Label: c.label, FS: f})
	}
	root := &connectorsRoot{trees: trees}
	raw := gofs.NewNodeFS(root, options(trees[0].FS, MountOptions{}))
	counting.Reset()
	return &harness{t: t, fake: fake, counting: counting, clock: clock, log: &buf, fsys: trees[0].FS, raw: raw}, trees
}

// TestMultiRoot: the root lists the labels, is read-only, and each label
// is its connector's tree.
func TestMultiRoot(t *testing.T) {
	h, _ := newMultiHarness(t)
	es, _, errno := h.readdir(rootID, true)
	if errno != 0 {
		t.Fatal(errno)
	}
	if got := entryNames(es); !slices.Equal(got, []string{"out", "raw"}) {
		t.Errorf("root lists %q", got)
	}
	if len(es) < 2 || es[0].Name != "." || es[1].Name != ".." {
		t.Errorf("root listing does not start with . and ..: %v", es)
	}
	if m := h.modeOf(rootID); m != 0o555 {
		t.Errorf("root mode %#o, want 0555", m)
	}
	if _, errno := h.lookup(rootID, "nope"); errno != syscall.ENOENT {
		t.Errorf("lookup of an unknown label: %v", errno)
	}
	for name, call := range map[string]func() syscall.Errno{
		"mkdir":  func() syscall.Errno { _, e := h.mkdir(rootID, "new"); return e },
		"create": func() syscall.Errno { _, _, e := h.create(rootID, "f", syscall.O_WRONLY); return e },
		"rmdir":  func() syscall.Errno { return h.rmdir(rootID, "raw") },
		"rename": func() syscall.Errno { return h.rename(rootID, "raw", rootID, "raw2", 0) },
		"chmod":  func() syscall.Errno { return h.chmod(rootID) },
	} {
		if errno := call(); errno != syscall.EROFS {
			t.Errorf("%s at the root: %v, want EROFS", name, errno)
		}
	}
	if got := h.readdirNames("out", "bucket", "data"); !slices.Equal(got, []string{"out"}) {
		t.Errorf("out/bucket/data lists %q", got)
	}
	if got := h.readdirNames("raw", "bucket", "data"); !slices.Equal(got, []string{"a.csv", "out", "outer.txt"}) {
		t.Errorf("raw/bucket/data lists %q", got)
	}
}

// TestMultiRootSeparateNodes: the same object seen through two connectors
// is two nodes with different inode numbers and rights.
func TestMultiRootSeparateNodes(t *testing.T) {
	h, _ := newMultiHarness(t)
	rawNode := h.path("raw", "bucket", "data", "out", "r1.txt")
	outNode := h.path("out", "bucket", "data", "out", "r1.txt")
	ra, _ := h.getattr(rawNode)
	oa, _ := h.getattr(outNode)
	if rawNode == outNode || ra.Ino == oa.Ino {
		t.Fatalf("one node (%d, ino %d / %d) for both connectors", rawNode, ra.Ino, oa.Ino)
	}
	if ra.Mode&0o222 != 0 || oa.Mode&0o200 == 0 {
		t.Errorf("modes raw %#o, out %#o", ra.Mode&0o777, oa.Mode&0o777)
	}
	if _, errno := h.open(rawNode, syscall.O_WRONLY); errno != syscall.EROFS {
		t.Errorf("open for writing through raw: %v, want EROFS", errno)
	}
	if errno := h.truncate(outNode, 0); errno != 0 {
		t.Errorf("truncate through out: %v", errno)
	}
}

// TestMultiRootRenameAcrossConnectors: EXDEV in both directions, and
// towards the root; nothing is sent.
func TestMultiRootRenameAcrossConnectors(t *testing.T) {
	h, _ := newMultiHarness(t)
	rawOut, outOut := h.path("raw", "bucket", "data", "out"), h.path("out", "bucket", "data", "out")
	h.counting.Reset()
	for name, call := range map[string]func() syscall.Errno{
		"raw to out":  func() syscall.Errno { return h.rename(rawOut, "r1.txt", outOut, "r2.txt", 0) },
		"out to raw":  func() syscall.Errno { return h.rename(outOut, "r1.txt", rawOut, "r2.txt", 0) },
		"out to root": func() syscall.Errno { return h.rename(outOut, "r1.txt", rootID, "r2.txt", 0) },
	} {
		if errno := call(); errno != syscall.EXDEV {
			t.Errorf("rename %s: %v, want EXDEV", name, errno)
		}
	}
	if n := h.mutations(); n != 0 {
		t.Errorf("refused renames sent %d changing requests", n)
	}
}

func (h *harness) readdirNames(path ...string) []string {
	h.t.Helper()
	es, _, errno := h.readdir(h.path(path...), false)
	if errno != 0 {
		h.t.Fatalf("readdir %q: %v", path, errno)
	}
	return entryNames(es)
}

// TestMultiRootNames: the root finds its labels, answers ENOENT for other
// names and ENAMETOOLONG for a name over 255 bytes, as a plain s3://
// root does.
func TestMultiRootNames(t *testing.T) {
	h, trees := newMultiHarness(t)
	out, errno := h.lookup(rootID, "out")
	if errno != 0 || out.Ino != trees[1].FS.Root().Ino() || out.Mode&syscall.S_IFDIR == 0 {
		t.Fatalf("lookup out: %+v, %v", out, errno)
	}
	if _, errno := h.lookup(rootID, "nope"); errno != syscall.ENOENT && errno != 0 {
		t.Errorf("lookup of an unknown label: %v, want ENOENT", errno)
	}
	if e, errno := h.lookup(rootID, "nope"); errno == 0 && e.NodeId != 0 {
		t.Errorf("lookup of an unknown label found node %d", e.NodeId)
	}
	if _, errno := h.lookup(rootID, strings.Repeat("n", 256)); errno != syscall.ENAMETOOLONG {
		t.Errorf("lookup of a 256-byte name at the root: %v, want ENAMETOOLONG", errno)
	}
}
