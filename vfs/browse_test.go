package vfs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// browseHistory is a versioned Fake bucket: a/k written three times (v1,
// v2, v3, a second apart) then deleted; top written once; gone/x written
// then deleted; other/y written once.
type browseHistory struct {
	fake  *remote.Fake
	count *remote.Counting
	v     [][]byte
	at    []time.Time // when each a/k version was written
}

func newBrowseHistory(t *testing.T) *browseHistory {
	t.Helper()
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	h := &browseHistory{fake: fake, count: count, v: [][]byte{pattern(3000, 1), pattern(5000, 2), pattern(700, 3)}}
	for _, v := range h.v {
		h.at = append(h.at, clock.Now())
		put(t, fake, "a/k", v, nil)
		clock.Advance(1234 * time.Millisecond)
	}
	put(t, fake, "top", []byte("top"), nil)
	put(t, fake, "gone/x", []byte("x"), nil)
	put(t, fake, "other/y", []byte("y"), nil)
	clock.Advance(time.Second)
	for _, k := range []string{"a/k", "gone/x"} {
		if err := fake.Delete(context.Background(), testBucket, k); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func (h *browseHistory) fs(t *testing.T, mod func(*Config)) *FS {
	t.Helper()
	return newTreeOver(t, h.count, func(c *Config) {
		c.VersionsDir = DefaultVersionsDir
		if mod != nil {
			mod(c)
		}
	})
}

// versionsOf lists the versions of key (newest first, as S3 sends them)
// through the Fake.
func versionsOf(t *testing.T, c remote.Client, key string) []remote.ObjectVersion {
	t.Helper()
	page, err := c.ListVersions(context.Background(), remote.ListVersionsRequest{Bucket: testBucket, Prefix: key})
	if err != nil {
		t.Fatal(err)
	}
	var out []remote.ObjectVersion
	for _, v := range page.Versions {
		if v.Key == key && !v.DeleteMarker {
			out = append(out, v)
		}
	}
	return out
}

// TestBrowserListsEveryVersion: the browser is hidden from the root's
// listing but found by a lookup; it lists every version of a/k, deleted
// now, in chronological order by name, each with its size and time, and
// each reads its own bytes; the directory of a deleted key is there.
func TestBrowserListsEveryVersion(t *testing.T) {
	h := newBrowseHistory(t)
	root := h.fs(t, nil).Root()
	if got := dirNames(t, root); !slices.Equal(got, []string{"other/", "top"}) {
		t.Fatalf("root: %q: the browser must not be listed", got)
	}
	vd := lookupDir(t, root, DefaultVersionsDir)
	if got := dirNames(t, vd); !slices.Equal(got, []string{"a/", "gone/", "other/", "top@" + stamp(t, h.fake, "top") + "-" + versionsOf(t, h.fake, "top")[0].VersionID}) {
		t.Fatalf(".versions/: %q", got)
	}
	a := lookupDir(t, vd, "a")
	vs := versionsOf(t, h.fake, "a/k")
	slices.Reverse(vs) // oldest first
	var want []string
	for _, v := range vs {
		want = append(want, versionName("k", v.LastModified, v.VersionID))
	}
	got := dirNames(t, a)
	if !slices.Equal(got, want) || len(got) != 3 {
		t.Fatalf(".versions/a/: %q, want %q", got, want)
	}
	for i, name := range got {
		if !strings.HasPrefix(name, "k@"+h.at[i].UTC().Format("20060102T150405.000Z")+"-") {
			t.Errorf("version %d named %q: not its time %v", i, name, h.at[i])
		}
		f := lookupFile(t, a, name)
		attr, err := f.Attr(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if attr.Size != int64(len(h.v[i])) || !attr.Mtime.Equal(h.at[i]) || attr.Mode&0o222 != 0 {
			t.Errorf("%s: size %d mtime %v mode %o, want %d %v read-only", name, attr.Size, attr.Mtime, attr.Mode, len(h.v[i]), h.at[i])
		}
		if b := readAll(t, f); !bytes.Equal(b, h.v[i]) {
			t.Errorf("%s: read %d bytes that are not v%d", name, len(b), i+1)
		}
	}
	if got := dirNames(t, lookupDir(t, vd, "gone")); len(got) != 1 || !strings.HasPrefix(got[0], "x@") {
		t.Fatalf(".versions/gone/: %q", got)
	}
	mustNotExist(t, a, "k")
	mustNotExist(t, a, "k@20000101T000000.000Z-nosuchversion")
}

func stamp(t *testing.T, c remote.Client, key string) string {
	t.Helper()
	return versionsOf(t, c, key)[0].LastModified.UTC().Format(versionStampLayout)
}

// TestBrowserLookupWithoutListing: a version's file is found by name,
// with no listing before (HEAD with its versionId), and reads its bytes.
func TestBrowserLookupWithoutListing(t *testing.T) {
	h := newBrowseHistory(t)
	root := h.fs(t, nil).Root()
	v := versionsOf(t, h.fake, "a/k")[2] // the oldest
	f := lookupFile(t, lookupDir(t, lookupDir(t, root, DefaultVersionsDir), "a"), versionName("k", v.LastModified, v.VersionID))
	if b := readAll(t, f); !bytes.Equal(b, h.v[0]) {
		t.Fatalf("read %d bytes, want v1", len(b))
	}
	// The right id with a wrong time is no version.
	mustNotExist(t, lookupDir(t, lookupDir(t, root, DefaultVersionsDir), "a"), versionName("k", v.LastModified.Add(time.Hour), v.VersionID))
}

// TestBrowserRefusesChanges: every change under the browser is
// ErrReadOnly and nothing that could change the bucket is sent.
func TestBrowserRefusesChanges(t *testing.T) {
	h := newBrowseHistory(t)
	fsys := h.fs(t, nil)
	root := fsys.Root()
	ctx := context.Background()
	vd := lookupDir(t, root, DefaultVersionsDir)
	a := lookupDir(t, vd, "a")
	names := dirNames(t, a)
	f := lookupFile(t, a, names[0])
	h.count.Reset()
	checks := map[string]error{}
	_, _, checks["create"] = a.Create(ctx, "new", false)
	_, checks["mkdir"] = vd.Mkdir(ctx, "newdir")
	checks["unlink"] = a.Unlink(ctx, names[0])
	_, _, checks["open for writing"] = f.Open(ctx, 1 /* O_WRONLY */)
	checks["rename out"] = a.Rename(ctx, names[0], root, "restored", 0)
	checks["rmdir"] = vd.Rmdir(ctx, "a")
	_, checks["mkdir .versions"] = root.Mkdir(ctx, DefaultVersionsDir)
	for what, err := range checks {
		if !errors.Is(err, ErrReadOnly) && !errors.Is(err, remote.ErrReadOnly) {
			t.Errorf("%s: %v, want read-only", what, err)
		}
	}
	for op, n := range h.count.Snapshot() {
		switch op {
		case remote.OpPut, remote.OpCopy, remote.OpDelete, remote.OpCreateMultipart, remote.OpUploadPart,
			remote.OpUploadPartCopy, remote.OpCompleteMultipart, remote.OpCreateBucket, remote.OpDeleteBucket:
			t.Errorf("%d %s sent under the browser", n, op)
		}
	}
	if a.Attr().Mode&0o222 != 0 {
		t.Errorf("browser directory mode %o: want read-only", a.Attr().Mode)
	}
	// The rest of the tree stays writable.
	if _, _, err := root.Create(ctx, "fine", false); err != nil {
		t.Fatalf("create outside the browser: %v", err)
	}
}

// TestBrowserRealKeyWins: a real key under the browser's name shows as
// itself, and the browser is off in that bucket.
func TestBrowserRealKeyWins(t *testing.T) {
	h := newBrowseHistory(t)
	put(t, h.fake, ".versions/mine.txt", []byte("mine"), nil)
	logs := &logBuf{}
	root := h.fs(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) }).Root()
	if got := dirNames(t, root); !slices.Contains(got, ".versions/") {
		t.Fatalf("root: %q: the real .versions/ must be listed", got)
	}
	if got := dirNames(t, lookupDir(t, root, DefaultVersionsDir)); !slices.Equal(got, []string{"mine.txt"}) {
		t.Fatalf(".versions/: %q, want the real key", got)
	}
	lookupFile(t, lookupDir(t, root, DefaultVersionsDir), "mine.txt")
	if n := strings.Count(logs.String(), "holds the version browser's name"); n != 1 {
		t.Fatalf("%d warnings about the real key, want 1:\n%s", n, logs.String())
	}
}

// TestBrowserOff: with VersionsDir "" there is no browser.
func TestBrowserOff(t *testing.T) {
	h := newBrowseHistory(t)
	root := h.fs(t, func(c *Config) { c.VersionsDir = "" }).Root()
	mustNotExist(t, root, DefaultVersionsDir)
}

// TestBrowserPrefixMountAndName: in a prefix mount the browser is at the
// prefix and shows its keys only, under a configured name.
func TestBrowserPrefixMountAndName(t *testing.T) {
	h := newBrowseHistory(t)
	root := h.fs(t, func(c *Config) { c.Source.Prefix = "a/"; c.VersionsDir = "@v" }).Root()
	mustNotExist(t, root, DefaultVersionsDir)
	if got := dirNames(t, lookupDir(t, root, "@v")); len(got) != 3 || !strings.HasPrefix(got[0], "k@") {
		t.Fatalf("@v/ of s3://b/a/: %q", got)
	}
}

// TestBrowserConnector: a connector's browser shows only versions of keys
// it lets be read; a pinned key only its pinned version.
func TestBrowserConnector(t *testing.T) {
	h := newBrowseHistory(t)
	pin := versionsOf(t, h.fake, "a/k")[1] // v2
	conn := testkit.Connector(t, "c", "read", testBucket+"/a/k@"+pin.VersionID, testBucket+"/gone/*")
	root := h.fs(t, func(c *Config) { c.Source = Source{}; c.Connector = conn }).Root()
	vd := lookupDir(t, lookupDir(t, root, testBucket), DefaultVersionsDir)
	if got := dirNames(t, vd); !slices.Equal(got, []string{"a/", "gone/"}) {
		t.Fatalf(".versions/ in a connector: %q", got)
	}
	got := dirNames(t, lookupDir(t, vd, "a"))
	if !slices.Equal(got, []string{versionName("k", pin.LastModified, pin.VersionID)}) {
		t.Fatalf(".versions/a/ of a pinned key: %q, want only the pinned version", got)
	}
	mustNotExist(t, vd, "other")
	mustNotExist(t, vd, "top@"+stamp(t, h.fake, "top")+"-"+versionsOf(t, h.fake, "top")[0].VersionID)
}

// TestBrowserAsOf: in a tree as of a time the browser shows the versions
// up to that time only.
func TestBrowserAsOf(t *testing.T) {
	h := newBrowseHistory(t)
	root := h.fs(t, func(c *Config) { c.AsOf = h.at[1] }).Root()
	got := dirNames(t, lookupDir(t, lookupDir(t, root, DefaultVersionsDir), "a"))
	if len(got) != 2 || !strings.HasPrefix(got[1], "k@"+h.at[1].UTC().Format(versionStampLayout)) {
		t.Fatalf(".versions/a/ as of v2's time: %q, want v1 and v2", got)
	}
}

func TestParseVersionName(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 30, 0, 123e6, time.UTC)
	name := versionName("user@example.com", at, "0f1e2d3c-4b5a-6978")
	if name != "user@example.com@20261206T083000.123Z-0f1e2d3c-4b5a-6978" {
		t.Fatalf("name %q", name)
	}
	base, got, vid, ok := parseVersionName(name)
	if !ok || base != "user@example.com" || !got.Equal(at) || vid != "0f1e2d3c-4b5a-6978" {
		t.Fatalf("parse: %q %v %q %v", base, got, vid, ok)
	}
	for _, bad := range []string{"k", "k@", "@20261206T083000.123Z-v", "k@20261206T083000.123Z-", "k@20261206T083000.123Z", "k@2026120xT083000.123Z-v"} {
		if _, _, _, ok := parseVersionName(bad); ok {
			t.Errorf("%q parsed as a version", bad)
		}
	}
}

// TestBrowserListingCost: listing a browser directory of 1,500 keys with
// two versions each costs one ListObjectVersions per 1000 versions (3),
// after the one-time check that no real key holds the name (a HEAD and a
// one-key ListObjectsV2) and the lookup of d (one ListObjectVersions: a
// name that is no version's is refused without a request).
func TestBrowserListingCost(t *testing.T) {
	fake, count := newFake(t)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for i := range 1500 {
			put(t, fake, "d/"+strings.Repeat("k", 1+i%7)+string(rune('a'+i%26))+strconv.Itoa(i), []byte{byte(round)}, nil)
		}
	}
	h := &browseHistory{fake: fake, count: count}
	root := h.fs(t, nil).Root()
	count.Reset()
	vd := lookupDir(t, root, DefaultVersionsDir)
	d := lookupDir(t, vd, "d")
	snap := count.Snapshot()
	count.Reset()
	if n := len(dirNames(t, d)); n != 3000 {
		t.Fatalf(".versions/d: %d entries, want 3000", n)
	}
	list := count.Snapshot()
	t.Logf("lookups: %v; listing 3000 versions: %v", snap, list)
	if snap[remote.OpHead] != 1 || snap[remote.OpList] != 1 || snap[remote.OpListVersions] != 1 ||
		list[remote.OpListVersions] != 3 || len(list) != 1 {
		t.Errorf("requests: lookups %v, listing %v", snap, list)
	}
}
