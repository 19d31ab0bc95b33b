package vfs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// versioned is a Client whose Head answers as a versioned bucket in
// another storage class would: a version id and a class on every object
// (the Fake keeps neither).
type versioned struct {
	remote.Client
	version, class string
}

func (v versioned) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	info, err := v.Client.Head(ctx, bucket, key)
	info.VersionID, info.StorageClass = v.version, v.class
	return info, err
}

// xattrFS is a tree over client with StatTTL 5s on clock, and the
// counter in front of client.
func xattrFS(t *testing.T, client remote.Client, clock *testClock, mod func(*Config)) (*FS, *remote.Counting) {
	t.Helper()
	counting := remote.NewCounting(client)
	cfg := Config{
		Source: Source{Bucket: testBucket}, Clock: clock.Now, StatTTL: 5 * time.Second, Xattrs: true,
		Write:  WriteConfig{StageDir: t.TempDir()},
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fsys.Close(context.Background()) })
	return fsys, counting
}

// xattrMap returns f's attributes by name.
func xattrMap(t *testing.T, f *File) map[string]string {
	t.Helper()
	xs, err := f.Xattrs(context.Background())
	if err != nil {
		t.Fatalf("xattrs %s: %v", f.Path(), err)
	}
	m := make(map[string]string, len(xs))
	for i, x := range xs {
		if i > 0 && xs[i-1].Name >= x.Name {
			t.Fatalf("names not sorted: %q before %q", xs[i-1].Name, x.Name)
		}
		m[x.Name] = x.Value
	}
	return m
}

// TestXattrsEqualHead: the attributes are HEAD's answer: the ETag without
// quotes, LastModified in RFC 3339, the version id and storage class, and
// every user metadata key, objfs's own (mode, uid, gid, mtime) included.
func TestXattrsEqualHead(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	meta := map[string]string{"color": "blue", "mode": "0100600", "uid": "7", "gid": "8", "mtime": "1600000000.5"}
	put(t, fake, "a/f", []byte("hello"), meta)
	fsys, _ := xattrFS(t, versioned{fake, "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "GLACIER_IR"}, clock, nil)

	f := lookupFile(t, lookupDir(t, fsys.Root(), "a"), "f")
	head, err := fake.Head(context.Background(), testBucket, "a/f")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"user.s3.etag":          strings.Trim(head.ETag, `"`),
		"user.s3.last_modified": head.LastModified.UTC().Format(time.RFC3339),
		"user.s3.version_id":    "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
		"user.s3.storage_class": "GLACIER_IR",
	}
	for k, v := range meta {
		want["user.s3.meta."+k] = v
	}
	got := xattrMap(t, f)
	if len(got) != len(want) {
		t.Fatalf("attributes %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
		if one, err := f.Xattr(context.Background(), k); err != nil || one != v {
			t.Fatalf("Xattr(%s) = %q, %v; want %q", k, one, err, v)
		}
	}
	if strings.Contains(got["user.s3.etag"], `"`) {
		t.Fatalf("etag keeps its quotes: %q", got["user.s3.etag"])
	}
}

// TestXattrsUnversionedStandard: S3 sends no version id on an unversioned
// bucket and no storage class for STANDARD: version_id is absent,
// storage_class STANDARD; a missing name is ErrNoAttr.
func TestXattrsUnversionedStandard(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), nil)
	fsys, _ := xattrFS(t, fake, clock, nil)
	f := lookupFile(t, fsys.Root(), "f")
	got := xattrMap(t, f)
	if _, ok := got["user.s3.version_id"]; ok {
		t.Fatalf("version_id on an unversioned object: %v", got)
	}
	if got["user.s3.storage_class"] != "STANDARD" {
		t.Fatalf("storage_class %q, want STANDARD", got["user.s3.storage_class"])
	}
	for _, name := range []string{"user.s3.version_id", "user.s3.meta.color", "user.s3.", "user.s3.nosuch"} {
		if _, err := f.Xattr(context.Background(), name); !errors.Is(err, ErrNoAttr) {
			t.Fatalf("Xattr(%s): %v, want ErrNoAttr", name, err)
		}
	}
}

// TestXattrsRequests: names outside user.s3. cost no request, even on a
// node known only from a listing; the attributes cost one HEAD, kept for
// StatTTL; after it, a new HEAD shows what another client changed.
func TestXattrsRequests(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), map[string]string{"v": "1"})
	fsys, counting := xattrFS(t, fake, clock, nil)
	if _, err := fsys.Root().OpenStream().Len(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := lookupFile(t, fsys.Root(), "f") // from the listing just made: no HEAD
	if n := counting.Count(remote.OpHead); n != 0 {
		t.Fatalf("%d HEADs for a listed file's lookup", n)
	}
	before := counting.Total()
	for _, name := range []string{"security.selinux", "system.posix_acl_access", "system.posix_acl_default", "security.capability", "user.x", "trusted.overlay.opaque"} {
		if _, err := f.Xattr(context.Background(), name); !errors.Is(err, ErrNoAttr) {
			t.Fatalf("Xattr(%s): %v, want ErrNoAttr", name, err)
		}
	}
	if n := counting.Total() - before; n != 0 {
		t.Fatalf("%d requests for names outside user.s3.", n)
	}
	if got := xattrMap(t, f)["user.s3.meta.v"]; got != "1" {
		t.Fatalf("meta.v %q", got)
	}
	for _, name := range []string{"user.s3.etag", "user.s3.meta.v", "user.s3.last_modified"} {
		if _, err := f.Xattr(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	xattrMap(t, f)
	if n := counting.Count(remote.OpHead); n != 1 {
		t.Fatalf("%d HEADs within StatTTL, want 1", n)
	}

	put(t, fake, "f", []byte("x"), map[string]string{"v": "2"}) // same bytes, same ETag
	clock.Advance(4 * time.Second)
	if got := xattrMap(t, f)["user.s3.meta.v"]; got != "1" {
		t.Fatalf("meta.v %q within StatTTL, want the cached 1", got)
	}
	clock.Advance(2 * time.Second)
	if got := xattrMap(t, f)["user.s3.meta.v"]; got != "2" {
		t.Fatalf("meta.v %q after StatTTL, want 2", got)
	}
	if n := counting.Count(remote.OpHead); n != 2 {
		t.Fatalf("%d HEADs, want 2", n)
	}

	if err := fake.Delete(context.Background(), testBucket, "f"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * time.Second)
	if _, err := f.Xattrs(context.Background()); !errors.Is(err, ErrNotExist) {
		t.Fatalf("xattrs of a deleted object: %v, want ErrNotExist", err)
	}
}

// TestXattrsWhileWriting: a file created through the mount has no
// attributes (and sends nothing) until S3 holds it; once committed it
// shows the new object's; a rename shows the new key's object.
func TestXattrsWhileWriting(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	fsys, counting := xattrFS(t, fake, clock, nil)
	ctx := context.Background()
	f, h, err := fsys.Root().Create(ctx, "new", false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, h, []byte("data"), 0)
	heads := counting.Count(remote.OpHead)
	if xs, err := f.Xattrs(ctx); err != nil || len(xs) != 0 {
		t.Fatalf("attributes of a file not in S3 yet: %v, %v", xs, err)
	}
	if _, err := f.Xattr(ctx, "user.s3.etag"); !errors.Is(err, ErrNoAttr) {
		t.Fatalf("etag of a file not in S3 yet: %v", err)
	}
	if n := counting.Count(remote.OpHead) - heads; n != 0 {
		t.Fatalf("%d HEADs for a file not in S3", n)
	}
	if err := h.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	head, err := fake.Head(ctx, testBucket, "new")
	if err != nil {
		t.Fatal(err)
	}
	got := xattrMap(t, f)
	if got["user.s3.etag"] != strings.Trim(head.ETag, `"`) || got["user.s3.meta.mtime"] != head.Metadata["mtime"] {
		t.Fatalf("after commit: %v, HEAD %+v", got, head)
	}

	put(t, fake, "other", []byte("other bytes"), map[string]string{"k": "v"})
	if err := fsys.Root().Rename(ctx, "new", fsys.Root(), "moved", 0); err != nil {
		t.Fatal(err)
	}
	moved, err := fake.Head(ctx, testBucket, "moved")
	if err != nil {
		t.Fatal(err)
	}
	if got := xattrMap(t, f); got["user.s3.last_modified"] != moved.LastModified.UTC().Format(time.RFC3339) || got["user.s3.etag"] != strings.Trim(moved.ETag, `"`) {
		t.Fatalf("after rename: %v, HEAD %+v", got, moved)
	}
}

// TestXattrsConnector: a connector's tree shows the attributes of what it
// shows, and nothing of what it hides (the lookup fails; nothing is sent
// for the hidden key).
func TestXattrsConnector(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "pub/f", []byte("x"), map[string]string{"k": "public"})
	put(t, fake, "secret/f", []byte("y"), map[string]string{"k": "secret"})
	conn := testConnector(t, "team", "read", testBucket+"/pub/*")
	fsys, counting := xattrFS(t, fake, clock, func(c *Config) { c.Connector = conn })
	f := lookupFile(t, lookupDir(t, fsys.Root(), "pub"), "f")
	if got := xattrMap(t, f)["user.s3.meta.k"]; got != "public" {
		t.Fatalf("meta.k %q", got)
	}
	heads := counting.Count(remote.OpHead)
	mustNotExist(t, fsys.Root(), "secret")
	if n := counting.Count(remote.OpHead) - heads; n != 0 {
		t.Fatalf("%d HEADs for a hidden directory", n)
	}
	if err := f.ChangeXattr("user.s3.etag"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("setxattr under a read connector: %v, want ErrReadOnly", err)
	}
}

// TestChangeXattr: setxattr and removexattr of user.s3. names are accepted
// and change nothing; other names are ErrNotSupported; a read-only tree
// refuses both.
func TestChangeXattr(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), nil)
	fsys, counting := xattrFS(t, fake, clock, nil)
	f := lookupFile(t, fsys.Root(), "f")
	before := counting.Total()
	if err := f.ChangeXattr("user.s3.etag"); err != nil {
		t.Fatalf("user.s3.etag: %v", err)
	}
	if err := fsys.Root().ChangeXattr("user.s3.meta.x"); err != nil {
		t.Fatalf("directory user.s3.meta.x: %v", err)
	}
	if err := f.ChangeXattr("user.x"); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("user.x: %v", err)
	}
	if n := counting.Total() - before; n != 0 {
		t.Fatalf("%d requests", n)
	}
	ro, _ := xattrFS(t, fake, clock, func(c *Config) { c.ReadOnly = true })
	if err := lookupFile(t, ro.Root(), "f").ChangeXattr("user.s3.etag"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only: %v", err)
	}
}

// TestXattrsOffByDefault: without Config.Xattrs a file has no attributes,
// costs no request, and setxattr of a user.s3. name is ErrNotSupported.
func TestXattrsOffByDefault(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), map[string]string{"k": "v"})
	fsys, counting := xattrFS(t, fake, clock, func(c *Config) { c.Xattrs = false })
	f := lookupFile(t, fsys.Root(), "f")
	before := counting.Total()
	if xs, err := f.Xattrs(context.Background()); err != nil || len(xs) != 0 {
		t.Fatalf("xattrs: %v, %v", xs, err)
	}
	if _, err := f.Xattr(context.Background(), "user.s3.etag"); !errors.Is(err, ErrNoAttr) {
		t.Fatalf("etag: %v", err)
	}
	if err := f.ChangeXattr("user.s3.etag"); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("setxattr: %v", err)
	}
	if n := counting.Total() - before; n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// TestXattrNamesWithoutFetch: a list of names read without a fetch (what
// ls -l does for every file) sends nothing: the three names every object
// has for a file known only from a listing, the HEAD's names once one was
// made within StatTTL; a fetch (a size query) makes that HEAD.
func TestXattrNamesWithoutFetch(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), map[string]string{"v": "1"})
	fsys, counting := xattrFS(t, versioned{Client: fake, version: "v1", class: "GLACIER"}, clock, nil)
	ctx := context.Background()
	if _, err := fsys.Root().OpenStream().Len(ctx); err != nil {
		t.Fatal(err)
	}
	f := lookupFile(t, fsys.Root(), "f")
	before := counting.Total()
	names, err := f.XattrNames(ctx, false)
	if err != nil || strings.Join(names, ",") != "user.s3.etag,user.s3.last_modified,user.s3.storage_class" {
		t.Fatalf("names without a fetch: %v, %v", names, err)
	}
	if n := counting.Total() - before; n != 0 {
		t.Fatalf("%d requests for a list without a fetch", n)
	}
	full := "user.s3.etag,user.s3.last_modified,user.s3.meta.v,user.s3.storage_class,user.s3.version_id"
	if names, err = f.XattrNames(ctx, true); err != nil || strings.Join(names, ",") != full {
		t.Fatalf("names with a fetch: %v, %v", names, err)
	}
	if n := counting.Count(remote.OpHead); n != 1 {
		t.Fatalf("%d HEADs for a fetched list, want 1", n)
	}
	if names, err = f.XattrNames(ctx, false); err != nil || strings.Join(names, ",") != full {
		t.Fatalf("names without a fetch after one: %v, %v", names, err)
	}
	clock.Advance(6 * time.Second) // past StatTTL: the three again, no request
	if names, _ = f.XattrNames(ctx, false); len(names) != 3 || counting.Count(remote.OpHead) != 1 {
		t.Fatalf("names after StatTTL: %v, %d HEADs", names, counting.Count(remote.OpHead))
	}
}

// TestXattrNamesNoCache: with stat caching off, a list read right after
// the size query that HEADed the object (getfattr -d, cp -a) shows that
// HEAD's names, version id and user metadata included.
func TestXattrNamesNoCache(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), map[string]string{"v": "1"})
	fsys, counting := xattrFS(t, versioned{Client: fake, version: "v1", class: "GLACIER"}, clock,
		func(c *Config) { c.StatTTL = NoCache })
	ctx := context.Background()
	f := lookupFile(t, fsys.Root(), "f")
	full := "user.s3.etag,user.s3.last_modified,user.s3.meta.v,user.s3.storage_class,user.s3.version_id"
	heads := counting.Count(remote.OpHead)
	if names, err := f.XattrNames(ctx, true); err != nil || strings.Join(names, ",") != full {
		t.Fatalf("size query: %v, %v", names, err)
	}
	if n := counting.Count(remote.OpHead) - heads; n != 1 {
		t.Fatalf("%d HEADs for the size query, want 1", n)
	}
	if names, err := f.XattrNames(ctx, false); err != nil || strings.Join(names, ",") != full {
		t.Fatalf("list read right after the size query: %v, %v; want %s", names, err, full)
	}
	if n := counting.Count(remote.OpHead) - heads; n != 1 {
		t.Fatalf("%d HEADs in all, want 1", n)
	}
}

// TestXattrChangeFlags: setxattr and removexattr of user.s3. names change
// nothing, but answer as POSIX asks for the names a node shows:
// XATTR_CREATE of one it has is ErrExist, XATTR_REPLACE or removexattr
// of one it has not ErrNoAttr (a directory has none); a plain setxattr
// and removexattr of a name it has are accepted.
func TestXattrChangeFlags(t *testing.T) {
	fake, _ := newFake(t)
	clock := newTestClock()
	put(t, fake, "f", []byte("x"), map[string]string{"color": "red"})
	fsys, _ := xattrFS(t, fake, clock, nil)
	ctx := context.Background()
	f := lookupFile(t, fsys.Root(), "f")
	d := fsys.Root()
	for what, c := range map[string]struct {
		err  error
		want error
	}{
		"set etag":                 {f.SetXattr(ctx, "user.s3.etag", XattrAny), nil},
		"set new":                  {f.SetXattr(ctx, "user.s3.meta.new", XattrAny), nil},
		"create etag":              {f.SetXattr(ctx, "user.s3.etag", XattrCreate), ErrExist},
		"create new":               {f.SetXattr(ctx, "user.s3.meta.new", XattrCreate), nil},
		"replace meta":             {f.SetXattr(ctx, "user.s3.meta.color", XattrReplace), nil},
		"replace missing":          {f.SetXattr(ctx, "user.s3.version_id", XattrReplace), ErrNoAttr},
		"remove etag":              {f.RemoveXattr(ctx, "user.s3.etag"), nil},
		"remove missing":           {f.RemoveXattr(ctx, "user.s3.meta.nosuch"), ErrNoAttr},
		"remove other":             {f.RemoveXattr(ctx, "user.other"), ErrNotSupported},
		"dir set":                  {d.SetXattr("user.s3.meta.x", XattrAny), nil},
		"dir replace":              {d.SetXattr("user.s3.meta.x", XattrReplace), ErrNoAttr},
		"dir remove":               {d.RemoveXattr("user.s3.meta.x"), ErrNoAttr},
		"dir other":                {d.RemoveXattr("trusted.x"), ErrNotSupported},
		"create other (not ours)":  {f.SetXattr(ctx, "user.other", XattrCreate), ErrNotSupported},
		"replace other (not ours)": {f.SetXattr(ctx, "security.x", XattrReplace), ErrNotSupported},
	} {
		if !errors.Is(c.err, c.want) || (c.want == nil && c.err != nil) {
			t.Errorf("%s: %v, want %v", what, c.err, c.want)
		}
	}
	ro, _ := xattrFS(t, fake, clock, func(c *Config) { c.ReadOnly = true })
	if err := lookupFile(t, ro.Root(), "f").RemoveXattr(ctx, "user.s3.meta.nosuch"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only: %v", err)
	}
}
