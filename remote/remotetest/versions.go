package remotetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// NewVersioned returns a client, an empty bucket that was never
// versioned, and a way to set the bucket's versioning (PutBucketVersioning:
// the Fake's SetVersioning, or the SDK's against a server).
type NewVersioned func(t *testing.T) (c remote.Client, bucket string, set func(remote.Versioning))

// RunVersions runs the versions part of the suite (remote.Versions and
// GetRequest.VersionID).
func RunVersions(t *testing.T, newVersioned NewVersioned) {
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range versionTests {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			c, bucket, set := newVersioned(t)
			ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
			defer cancel()
			versionTests[name](t, &env{t: t, c: c, bucket: bucket, ctx: ctx}, set)
		})
	}
}

var versionTests = map[string]func(*testing.T, *env, func(remote.Versioning)){
	"History":     testVersionsHistory,
	"Delimiter":   testVersionsDelimiter,
	"Pagination":  testVersionsPagination,
	"Suspended":   testVersionsSuspended,
	"Unversioned": testVersionsUnversioned,
}

// step separates writes so that their LastModified differ even at a
// server's millisecond resolution (the order of a version and a delete
// marker of one instant is S3's secret).
func step() { time.Sleep(5 * time.Millisecond) }

// listVersions follows the markers to the end, checking each page
// against req.MaxKeys.
func listVersions(t *testing.T, e *env, req remote.ListVersionsRequest) ([]remote.ObjectVersion, []string, int) {
	t.Helper()
	var vs []remote.ObjectVersion
	var prefixes []string
	for pages := 1; ; pages++ {
		page, err := e.c.ListVersions(e.ctx, req)
		if err != nil {
			t.Fatalf("ListVersions %+v: %v", req, err)
		}
		if n := len(page.Versions) + len(page.Prefixes); req.MaxKeys > 0 && n > req.MaxKeys {
			t.Fatalf("page %d has %d entries, MaxKeys %d", pages, n, req.MaxKeys)
		}
		vs = append(vs, page.Versions...)
		prefixes = append(prefixes, page.Prefixes...)
		if page.NextKeyMarker == "" {
			return vs, prefixes, pages
		}
		if pages > 10000 {
			t.Fatal("versions listing does not end")
		}
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
}

// shape is "key:etag" for versions, "key:DEL" for delete markers, with
// "*" after the latest.
func shape(vs []remote.ObjectVersion) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		s := v.Key + ":" + v.ETag
		if v.DeleteMarker {
			s = v.Key + ":DEL"
		}
		if v.IsLatest {
			s += "*"
		}
		out[i] = s
	}
	return out
}

func wantShape(t *testing.T, what string, vs []remote.ObjectVersion, want ...string) {
	t.Helper()
	if got := shape(vs); !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func (e *env) del(key string) {
	e.t.Helper()
	if err := e.c.Delete(e.ctx, e.bucket, key); err != nil {
		e.t.Fatalf("Delete %q: %v", key, err)
	}
}

// testVersionsHistory: write, overwrite, delete, recreate; every version
// is listed newest first and reads back its own bytes, pinned.
func testVersionsHistory(t *testing.T, e *env, set func(remote.Versioning)) {
	set(remote.VersioningEnabled)
	if v, err := e.c.BucketVersioning(e.ctx, e.bucket); err != nil || v != remote.VersioningEnabled {
		t.Fatalf("BucketVersioning: %q, %v; want Enabled", v, err)
	}
	v1, v2, v3 := pattern(100, 1), pattern(200, 2), pattern(300, 3)
	e.put("k", v1, map[string]string{"n": "1"})
	step()
	e.put("k", v2, nil)
	step()
	e.del("k")
	step()
	e.put("k", v3, nil)
	step()
	e.put("l", v1, nil)
	vs, prefixes, _ := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket})
	wantShape(t, "versions", vs, "k:"+md5ETag(v3)+"*", "k:DEL", "k:"+md5ETag(v2), "k:"+md5ETag(v1), "l:"+md5ETag(v1)+"*")
	if len(prefixes) != 0 {
		t.Fatalf("recursive listing has prefixes %q", prefixes)
	}
	for i, v := range vs {
		if v.VersionID == "" || v.VersionID == remote.NullVersion || v.LastModified.IsZero() {
			t.Fatalf("entry %d %+v: want a version id and a LastModified", i, v)
		}
		if i > 0 && vs[i-1].Key == v.Key && !vs[i-1].LastModified.After(v.LastModified) {
			t.Fatalf("entry %d (%v) not older than entry %d (%v)", i, v.LastModified, i-1, vs[i-1].LastModified)
		}
	}
	for i, want := range [][]byte{v3, nil, v2, v1} {
		v := vs[i]
		got, err := e.read(remote.GetRequest{Key: "k", VersionID: v.VersionID, Length: -1})
		if want == nil {
			wantErr(t, "Get of a delete marker", err, remote.ErrNotFound)
			_, err = e.c.HeadVersion(e.ctx, e.bucket, "k", v.VersionID)
			wantErr(t, "HeadVersion of a delete marker", err, remote.ErrNotFound)
			continue
		}
		if err != nil {
			t.Fatalf("Get version %d: %v", i, err)
		}
		wantBytes(t, fmt.Sprintf("version %d", i), got, want)
		if v.Size != int64(len(want)) {
			t.Fatalf("version %d listed with size %d, want %d", i, v.Size, len(want))
		}
	}
	old := vs[3]
	wantBytes(t, "ranged Get of v1", e.mustRead(remote.GetRequest{Key: "k", VersionID: old.VersionID, Offset: 10, Length: 5}), v1[10:15])
	info, err := e.c.HeadVersion(e.ctx, e.bucket, "k", old.VersionID)
	if err != nil || info.VersionID != old.VersionID || info.ETag != md5ETag(v1) || info.Size != 100 || info.Metadata["n"] != "1" {
		t.Fatalf("HeadVersion v1: %+v, %v", info, err)
	}
	if cur := e.head("k"); cur.VersionID != vs[0].VersionID {
		t.Fatalf("Head: version %q, want the latest %q", cur.VersionID, vs[0].VersionID)
	}
	_, err = e.c.HeadVersion(e.ctx, e.bucket, "l", old.VersionID)
	wantErr(t, "HeadVersion of another key's version", err, remote.ErrNotFound)
}

// testVersionsDelimiter: a "/" listing rolls up keys into prefixes, also
// those whose keys are all deleted now.
func testVersionsDelimiter(t *testing.T, e *env, set func(remote.Versioning)) {
	set(remote.VersioningEnabled)
	for _, k := range []string{"a", "dir/", "dir/x", "dir/y/z", "gone/x"} {
		e.put(k, []byte(k), nil)
	}
	step()
	e.del("gone/x")
	e.del("dir/x")
	vs, prefixes, _ := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket, Delimiter: "/"})
	wantShape(t, "root", vs, "a:"+md5ETag([]byte("a"))+"*")
	if !slices.Equal(prefixes, []string{"dir/", "gone/"}) {
		t.Fatalf("root prefixes %q, want dir/ and gone/ (deleted keys still have versions)", prefixes)
	}
	vs, prefixes, _ = listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket, Prefix: "dir/", Delimiter: "/"})
	wantShape(t, "dir/", vs, "dir/:"+md5ETag([]byte("dir/"))+"*", "dir/x:DEL*", "dir/x:"+md5ETag([]byte("dir/x")))
	if !slices.Equal(prefixes, []string{"dir/y/"}) {
		t.Fatalf("dir/ prefixes %q, want dir/y/", prefixes)
	}
}

// testVersionsPagination: markers continue inside one key's versions and
// after a common prefix; every entry appears once.
func testVersionsPagination(t *testing.T, e *env, set func(remote.Versioning)) {
	set(remote.VersioningEnabled)
	for i := range 3 {
		e.put("a", []byte{byte(i)}, nil)
		e.put("b", []byte{byte(i)}, nil)
		step()
	}
	e.del("b")
	for _, k := range []string{"c/1", "c/2", "d"} {
		e.put(k, nil, nil)
	}
	whole, wholePrefixes, _ := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket, Delimiter: "/"})
	if len(whole) != 8 || !slices.Equal(wholePrefixes, []string{"c/"}) {
		t.Fatalf("unpaged: %q prefixes %q, want 8 versions and c/", shape(whole), wholePrefixes)
	}
	for _, n := range []int{1, 2, 3} {
		paged, prefixes, pages := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket, Delimiter: "/", MaxKeys: n})
		if !slices.Equal(shape(paged), shape(whole)) || !slices.Equal(prefixes, wholePrefixes) {
			t.Fatalf("MaxKeys %d: %q prefixes %q, want %q %q", n, shape(paged), prefixes, shape(whole), wholePrefixes)
		}
		if min := 9 / n; pages < min {
			t.Fatalf("MaxKeys %d: 9 entries in %d pages", n, pages)
		}
		for i := range paged {
			if paged[i].VersionID != whole[i].VersionID {
				t.Fatalf("MaxKeys %d: entry %d has version %q, want %q", n, i, paged[i].VersionID, whole[i].VersionID)
			}
		}
	}
}

// testVersionsSuspended: versions made while enabled stay; writes and
// deletes while suspended replace the "null" version.
func testVersionsSuspended(t *testing.T, e *env, set func(remote.Versioning)) {
	set(remote.VersioningEnabled)
	v1 := []byte("kept")
	e.put("k", v1, nil)
	step()
	set(remote.VersioningSuspended)
	if v, err := e.c.BucketVersioning(e.ctx, e.bucket); err != nil || v != remote.VersioningSuspended {
		t.Fatalf("BucketVersioning: %q, %v; want Suspended", v, err)
	}
	e.put("k", []byte("null one"), nil)
	step()
	e.put("k", []byte("null two"), nil)
	if h := e.head("k"); h.VersionID != remote.NullVersion && h.VersionID != "" {
		// AWS says "null"; MinIO sends no version id for it.
		t.Fatalf("Head while suspended: version %q, want null (or none)", h.VersionID)
	}
	vs, _, _ := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket})
	wantShape(t, "suspended", vs, "k:"+md5ETag([]byte("null two"))+"*", "k:"+md5ETag(v1))
	if vs[0].VersionID != remote.NullVersion {
		t.Fatalf("latest while suspended is %q, want null", vs[0].VersionID)
	}
	step()
	e.del("k")
	vs, _, _ = listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket})
	wantShape(t, "deleted while suspended", vs, "k:DEL*", "k:"+md5ETag(v1))
	wantBytes(t, "the enabled-era version", e.mustRead(remote.GetRequest{Key: "k", VersionID: vs[1].VersionID, Length: -1}), v1)
}

// testVersionsUnversioned: a bucket never versioned says so, and lists
// each object as its one "null" version.
func testVersionsUnversioned(t *testing.T, e *env, _ func(remote.Versioning)) {
	if v, err := e.c.BucketVersioning(e.ctx, e.bucket); err != nil || v != remote.VersioningOff {
		t.Fatalf("BucketVersioning of a new bucket: %q, %v; want off", v, err)
	}
	e.put("k", []byte("one"), nil)
	e.put("k", []byte("two"), nil)
	e.del("gone")
	vs, _, _ := listVersions(t, e, remote.ListVersionsRequest{Bucket: e.bucket})
	wantShape(t, "unversioned", vs, "k:"+md5ETag([]byte("two"))+"*")
	if vs[0].VersionID != remote.NullVersion {
		t.Fatalf("version of an unversioned object: %q, want null", vs[0].VersionID)
	}
	if h := e.head("k"); h.VersionID != "" {
		t.Fatalf("Head on an unversioned bucket: version %q, want none", h.VersionID)
	}
}
