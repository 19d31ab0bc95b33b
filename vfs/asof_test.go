package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// asOfHistory is a versioned Fake bucket written at known instants:
//
//	t[0]: a/k = v1, top = "top", gone/x, d/ (an empty directory's marker)
//	t[1]: a/k = v2
//	t[2]: a/k deleted, gone/x deleted
//	t[3]: a/k = v3
type asOfHistory struct {
	clock *testClock
	fake  *remote.Fake
	count *remote.Counting
	t     [4]time.Time
	v     [4][]byte // v[2] is nil: deleted
}

func newAsOfHistory(t *testing.T) *asOfHistory {
	t.Helper()
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	h := &asOfHistory{clock: clock, fake: fake, count: count, v: [4][]byte{pattern(3000, 1), pattern(5000, 2), nil, pattern(700, 3)}}
	step := func(i int) {
		h.t[i] = clock.Now()
		clock.Advance(10 * time.Second)
	}
	put(t, fake, "a/k", h.v[0], nil)
	put(t, fake, "top", []byte("top"), nil)
	put(t, fake, "gone/x", []byte("x"), nil)
	put(t, fake, "d/", nil, nil)
	step(0)
	put(t, fake, "a/k", h.v[1], nil)
	step(1)
	for _, k := range []string{"a/k", "gone/x"} {
		if err := fake.Delete(context.Background(), testBucket, k); err != nil {
			t.Fatal(err)
		}
	}
	step(2)
	put(t, fake, "a/k", h.v[3], nil)
	step(3)
	return h
}

// asOfFS is a tree over h's bucket as of at.
func (h *asOfHistory) fs(t *testing.T, at time.Time) *FS {
	t.Helper()
	return newTreeOver(t, h.count, func(c *Config) { c.AsOf = at })
}

func dirNames(t *testing.T, d *Dir) []string {
	t.Helper()
	s := d.OpenStream()
	n, err := s.Len(context.Background())
	if err != nil {
		t.Fatalf("readdir %s: %v", d.Path(""), err)
	}
	var out []string
	for i := range n {
		e := s.Entry(i)
		if e.Dir {
			out = append(out, e.Name+"/")
		} else {
			out = append(out, e.Name)
		}
	}
	return out
}

func readAll(t *testing.T, f *File) []byte {
	t.Helper()
	a, err := f.Attr(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := openRead(t, f)
	defer h.Release(context.Background())
	if a.Size == 0 {
		return nil
	}
	return readAt(t, h, 0, int(a.Size))
}

// TestAsOfShowsEachPoint: a tree as of each instant shows that instant's
// version of every key, no deleted key, and directories only where a key
// is alive; files have their version's size and LastModified.
func TestAsOfShowsEachPoint(t *testing.T) {
	h := newAsOfHistory(t)
	for i, at := range h.t {
		t.Run(fmt.Sprint("t", i), func(t *testing.T) {
			root := h.fs(t, at).Root()
			want := []string{"a/", "d/", "gone/", "top"}
			switch i {
			case 2:
				want = []string{"d/", "top"}
			case 3:
				want = []string{"a/", "d/", "top"}
			}
			if got := dirNames(t, root); !slices.Equal(got, want) {
				t.Fatalf("root: %q, want %q", got, want)
			}
			if i == 2 {
				mustNotExist(t, root, "a")
				mustNotExist(t, root, "gone")
				return
			}
			a := lookupDir(t, root, "a")
			if got := dirNames(t, a); !slices.Equal(got, []string{"k"}) {
				t.Fatalf("a/: %q", got)
			}
			f := lookupFile(t, a, "k")
			attr, err := f.Attr(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if attr.Size != int64(len(h.v[i])) || !attr.Mtime.Equal(at) || attr.Mode&0o222 != 0 {
				t.Fatalf("a/k: size %d mtime %v mode %o, want %d, %v, read-only", attr.Size, attr.Mtime, attr.Mode, len(h.v[i]), at)
			}
			if got := readAll(t, f); !bytes.Equal(got, h.v[i]) {
				t.Fatalf("a/k as of t%d: %d bytes that are not v%d", i, len(got), i+1)
			}
			if got := dirNames(t, lookupDir(t, root, "d")); len(got) != 0 {
				t.Fatalf("d/: %q, want empty", got)
			}
		})
	}
}

// TestAsOfLookupWithoutListing: a lookup and read that no listing came
// before resolve the key's version themselves.
func TestAsOfLookupWithoutListing(t *testing.T) {
	h := newAsOfHistory(t)
	root := h.fs(t, h.t[1]).Root()
	f := lookupFile(t, lookupDir(t, root, "a"), "k")
	if got := readAll(t, f); !bytes.Equal(got, h.v[1]) {
		t.Fatalf("read %d bytes, want v2", len(got))
	}
	mustNotExist(t, root, "nothing")
}

// TestAsOfRefusesChanges: every change is ErrReadOnly and sends nothing
// that could change the bucket.
func TestAsOfRefusesChanges(t *testing.T) {
	h := newAsOfHistory(t)
	root := h.fs(t, h.t[0]).Root()
	ctx := context.Background()
	a := lookupDir(t, root, "a")
	f := lookupFile(t, a, "k")
	h.count.Reset()
	checks := map[string]error{}
	_, _, checks["create"] = root.Create(ctx, "new", false)
	_, checks["mkdir"] = root.Mkdir(ctx, "newdir")
	checks["unlink"] = a.Unlink(ctx, "k")
	_, _, checks["open for writing"] = f.Open(ctx, 1 /* O_WRONLY */)
	for what, err := range checks {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", what, err)
		}
	}
	for op, n := range h.count.Snapshot() {
		switch op {
		case remote.OpPut, remote.OpCopy, remote.OpDelete, remote.OpCreateMultipart, remote.OpUploadPart,
			remote.OpUploadPartCopy, remote.OpCompleteMultipart, remote.OpCreateBucket, remote.OpDeleteBucket:
			t.Errorf("%d %s sent by a read-only view", n, op)
		}
	}
	if cl := newAsOfClient(h.count, h.t[0]); cl != nil {
		if _, err := cl.Put(ctx, remote.PutRequest{Bucket: testBucket, Key: "x", Body: bytes.NewReader(nil)}); !errors.Is(err, remote.ErrReadOnly) {
			t.Errorf("client Put: %v", err)
		}
	}
}

// TestAsOfReadStaysPinned: a file opened in the view reads its version
// whole while the key is overwritten and deleted.
func TestAsOfReadStaysPinned(t *testing.T) {
	h := newAsOfHistory(t)
	big := pattern(3*testBlock, 9)
	put(t, h.fake, "big", big, nil)
	at := h.clock.Now()
	h.clock.Advance(time.Second)
	put(t, h.fake, "big", []byte("newer"), nil)
	f := lookupFile(t, h.fs(t, at).Root(), "big")
	rh := openRead(t, f)
	defer rh.Release(context.Background())
	first := readAt(t, rh, 0, testBlock)
	put(t, h.fake, "big", []byte("overwritten"), nil)
	if err := h.fake.Delete(context.Background(), testBucket, "big"); err != nil {
		t.Fatal(err)
	}
	rest := readAt(t, rh, testBlock, 2*testBlock)
	if got := append(first, rest...); !bytes.Equal(got, big) {
		t.Fatal("read through an overwrite and a delete is not the version of the time")
	}
}

// TestAsOfPagesAndCounts: a directory of more keys than a page, each
// with versions before and after the time, lists exactly the keys of
// the time with their old ETags, in ListObjectVersions requests only.
func TestAsOfPagesAndCounts(t *testing.T) {
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	const n = 2500
	for i := range n {
		put(t, fake, fmt.Sprintf("many/%05d", i), []byte("old"), nil)
	}
	at := clock.Now()
	clock.Advance(time.Minute)
	for i := range n {
		if i%2 == 0 {
			put(t, fake, fmt.Sprintf("many/%05d", i), []byte("new!"), nil)
		}
	}
	put(t, fake, "many/later", nil, nil)
	h := &asOfHistory{fake: fake, count: count}
	root := h.fs(t, at).Root()
	many := lookupDir(t, root, "many")
	count.Reset()
	got := dirNames(t, many)
	if len(got) != n || got[0] != "00000" || got[n-1] != fmt.Sprintf("%05d", n-1) {
		t.Fatalf("many/: %d entries (%q...), want %d", len(got), got[:min(3, len(got))], n)
	}
	f := lookupFile(t, many, "00002")
	if a, _ := f.Attr(context.Background()); a.Size != 3 {
		t.Fatalf("many/00002 as of then: size %d, want 3", a.Size)
	}
	snap := count.Snapshot()
	// 2500 + 1250 versions and one key: 4 pages of 1000.
	if snap[remote.OpListVersions] != 4 || len(snap) != 1 {
		t.Fatalf("requests %v: want 4 ListObjectVersions pages and nothing else", snap)
	}
}

// TestCheckVersioned: an unversioned bucket fails with ErrNotVersioned; a
// suspended one passes.
func TestCheckVersioned(t *testing.T) {
	fake, _ := newFake(t)
	ctx := context.Background()
	err := CheckVersioned(ctx, fake, testBucket)
	if !errors.Is(err, ErrNotVersioned) {
		t.Fatalf("unversioned: %v", err)
	}
	if want := "bucket bucket is not versioned"; err.Error()[:len(want)] != want {
		t.Fatalf("message %q", err)
	}
	for _, v := range []remote.Versioning{remote.VersioningEnabled, remote.VersioningSuspended} {
		if err := fake.SetVersioning(testBucket, v); err != nil {
			t.Fatal(err)
		}
		if err := CheckVersioned(ctx, fake, testBucket); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
}

// TestAsOfSuspended: versions written while versioning is suspended are
// shown as of their time, the one before suspension too.
func TestAsOfSuspended(t *testing.T) {
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	put(t, fake, "k", []byte("enabled"), nil)
	t0 := clock.Now()
	clock.Advance(time.Minute)
	if err := fake.SetVersioning(testBucket, remote.VersioningSuspended); err != nil {
		t.Fatal(err)
	}
	put(t, fake, "k", []byte("suspended"), nil)
	t1 := clock.Now()
	h := &asOfHistory{fake: fake, count: count}
	for at, want := range map[time.Time]string{t0: "enabled", t1: "suspended"} {
		if got := readAll(t, lookupFile(t, h.fs(t, at).Root(), "k")); string(got) != want {
			t.Errorf("as of %v: %q, want %q", at, got, want)
		}
	}
}

// TestAsOfListingCost measures the requests of a readdir of a 10,000-key
// directory, normal and as of a time, on the Fake (pages of 1000 as S3):
// an as-of listing costs one ListObjectVersions per 1000 versions (not
// keys), and one more per common prefix, to verify it.
func TestAsOfListingCost(t *testing.T) {
	const n = 10000
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		put(t, fake, fmt.Sprintf("d/%05d", i), []byte("v1"), nil)
		put(t, fake, fmt.Sprintf("flat/%05d", i), []byte("v1"), nil)
	}
	for i := range 10 {
		put(t, fake, fmt.Sprintf("d/sub%d/x", i), []byte("x"), nil)
	}
	at := clock.Now()
	clock.Advance(time.Minute)
	h := &asOfHistory{fake: fake, count: count}
	readdirOf := func(fsys *FS, dir string, entries int) map[string]int64 {
		d := lookupDir(t, fsys.Root(), dir)
		count.Reset()
		if got := len(dirNames(t, d)); got != entries {
			t.Fatalf("%s/: %d entries, want %d", dir, got, entries)
		}
		return count.Snapshot()
	}
	readdir := func(fsys *FS) map[string]int64 { return readdirOf(fsys, "d", n+10) }
	live, err := New(count, Config{Source: Source{Bucket: testBucket}, Logger: slog.New(slog.DiscardHandler),
		Write: WriteConfig{StageDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close(context.Background())
	normal := readdir(live)
	oneVersion := readdir(h.fs(t, at))
	flatNormal, flatAsOf := readdirOf(live, "flat", n), readdirOf(h.fs(t, at), "flat", n)
	t.Logf("readdir of %d keys: normal %v, as of %v", n, flatNormal, flatAsOf)
	if flatNormal[remote.OpList] != 10 || flatAsOf[remote.OpListVersions] != 10 || len(flatNormal)+len(flatAsOf) != 2 {
		t.Errorf("flat: normal %v, as of %v; want 10 requests each", flatNormal, flatAsOf)
	}
	for i := range n {
		put(t, fake, fmt.Sprintf("d/%05d", i), []byte("v2"), nil)
	}
	twoVersions := readdir(h.fs(t, at))
	t.Logf("readdir of %d keys and 10 subdirectories: normal %v; as of, one version a key %v; two versions a key %v",
		n, normal, oneVersion, twoVersions)
	want := []map[string]int64{
		{remote.OpList: 11},              // 10,010 entries
		{remote.OpListVersions: 11 + 10}, // 10,010 versions, and 10 prefixes verified
		{remote.OpListVersions: 21 + 10}, // 20,010 versions, and the same prefixes
	}
	for i, got := range []map[string]int64{normal, oneVersion, twoVersions} {
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("case %d: %v, want %v", i, got, want[i])
		}
	}
}

// TestAsOfConnector: a connector's patterns hold in its as-of view:
// only what they reach is listed or readable, at its version of the time.
func TestAsOfConnector(t *testing.T) {
	h := newAsOfHistory(t)
	conn := testkit.Connector(t, "c", "read", "bucket/a/*")
	fsys, err := New(h.count, Config{Source: Source{Bucket: testBucket}, AsOf: h.t[0], Connector: conn,
		Write: WriteConfig{StageDir: t.TempDir()}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close(context.Background())
	root := fsys.Root()
	if got := dirNames(t, root); !slices.Equal(got, []string{"a/"}) {
		t.Fatalf("root: %q, want only a/", got)
	}
	mustNotExist(t, root, "top")
	if got := readAll(t, lookupFile(t, lookupDir(t, root, "a"), "k")); !bytes.Equal(got, h.v[0]) {
		t.Fatal("a/k is not v1")
	}
}

// TestAsOfAllBuckets: at the s3:// root only versioned buckets are shown
// and found.
func TestAsOfAllBuckets(t *testing.T) {
	h := newAsOfHistory(t)
	if err := h.fake.CreateBucket(context.Background(), "plain"); err != nil {
		t.Fatal(err)
	}
	fsys, err := New(h.count, Config{AsOf: h.t[3], Write: WriteConfig{StageDir: t.TempDir()},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close(context.Background())
	if got := dirNames(t, fsys.Root()); !slices.Equal(got, []string{testBucket + "/"}) {
		t.Fatalf("s3:// root: %q, want only the versioned bucket", got)
	}
	mustNotExist(t, fsys.Root(), "plain")
	if got := readAll(t, lookupFile(t, lookupDir(t, lookupDir(t, fsys.Root(), testBucket), "a"), "k")); !bytes.Equal(got, h.v[3]) {
		t.Fatal("bucket/a/k is not v3")
	}
}
