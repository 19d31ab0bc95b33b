package remote_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// cutOnce is a Client whose first Get returns cut bytes of its body and
// then a transient error; it records every Get it was asked for.
type cutOnce struct {
	remote.Client
	cut  int
	mu   sync.Mutex
	gets []remote.GetRequest
}

func (c *cutOnce) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	c.mu.Lock()
	c.gets = append(c.gets, req)
	first := len(c.gets) == 1
	c.mu.Unlock()
	body, err := c.Client.Get(ctx, req)
	if err != nil || !first {
		return body, err
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.MultiReader(bytes.NewReader(data[:c.cut]),
		errorReader{&remote.Error{Op: remote.OpGet, Kind: remote.ErrTransient, Message: "cut"}})), nil
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// TestRetryResumesVersionPinnedGet: a Get of a version cut off mid-way
// resumes with a Get of the same version, so the reader gets the old
// bytes whole even though the key was overwritten in between.
func TestRetryResumesVersionPinnedGet(t *testing.T) {
	f, _ := newCountingFake(t)
	if err := f.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	v1 := bytes.Repeat([]byte("one."), 100)
	put(t, f, "k", v1, nil)
	page, err := f.ListVersions(ctx, remote.ListVersionsRequest{Bucket: testBucket})
	if err != nil || len(page.Versions) != 1 {
		t.Fatalf("ListVersions: %+v, %v", page, err)
	}
	id := page.Versions[0].VersionID
	cut := &cutOnce{Client: f, cut: 150}
	c := remote.WithRetry(cut, remote.RetryConfig{Sleep: func(context.Context, time.Duration) error { return nil }})
	body, err := c.Get(ctx, remote.GetRequest{Bucket: testBucket, Key: "k", VersionID: id, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	put(t, f, "k", []byte("two, quite different"), nil) // a newer version lands meanwhile
	got, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, v1) {
		t.Fatalf("read %d bytes %.30q..., want v1's %d", len(got), got, len(v1))
	}
	if len(cut.gets) != 2 || cut.gets[1].VersionID != id || cut.gets[1].Offset != 150 {
		t.Fatalf("gets %+v, want a resumption of version %s at 150", cut.gets, id)
	}
}

// TestCountingVersions: a HeadVersion is a HeadObject; listings and the
// versioning state have their own names.
func TestCountingVersions(t *testing.T) {
	c := remote.NewCounting(newFake(t))
	ctx := t.Context()
	c.HeadVersion(ctx, fakeBucket, "k", "v")
	c.ListVersions(ctx, remote.ListVersionsRequest{Bucket: fakeBucket})
	c.BucketVersioning(ctx, fakeBucket)
	want := map[string]int64{remote.OpHead: 1, remote.OpListVersions: 1, remote.OpGetBucketVersioning: 1}
	if got := c.Snapshot(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
}

// TestRestrictedVersions: a connector's rules hold for versions exactly as
// for current objects: listings filtered (with the directories on the way
// added), versioned reads of invisible keys refused without a request.
func TestRestrictedVersions(t *testing.T) {
	fake, counting := newCountingFake(t)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	seedKeys(t, fake, seeded...)
	seedKeys(t, fake, "data/out/r1.txt", "data/a.csv") // second versions
	ctx := context.Background()
	c := remote.Restrict(counting, testConnector(t, "out", "read", "bucket/data/out/*", "bucket/team.jpg"))
	cases := []struct {
		prefix             string
		versions, prefixes []string
		requests           int64
	}{
		{"", []string{"team.jpg"}, []string{"data/"}, 1},
		{"data/", []string{"data/"}, []string{"data/out/"}, 1},
		// data/out/ is implied (no marker in S3): its own marker is added.
		{"data/out/", []string{"data/out/", "data/out/r1.txt", "data/out/r1.txt"}, nil, 1},
		{"other/", nil, nil, 0},
	}
	for _, tc := range cases {
		counting.Reset()
		page, err := c.ListVersions(ctx, remote.ListVersionsRequest{Bucket: testBucket, Prefix: tc.prefix, Delimiter: "/"})
		if err != nil {
			t.Fatalf("list versions %q: %v", tc.prefix, err)
		}
		var keys []string
		for _, v := range page.Versions {
			keys = append(keys, v.Key)
		}
		if !slices.Equal(keys, tc.versions) || !slices.Equal(page.Prefixes, tc.prefixes) {
			t.Errorf("list versions %q: %q prefixes %q, want %q %q", tc.prefix, keys, page.Prefixes, tc.versions, tc.prefixes)
		}
		if n := counting.Total(); n != tc.requests {
			t.Errorf("list versions %q: %d requests, want %d", tc.prefix, n, tc.requests)
		}
	}
	all, err := fake.ListVersions(ctx, remote.ListVersionsRequest{Bucket: testBucket, Prefix: "data/a.csv"})
	if err != nil || len(all.Versions) != 2 {
		t.Fatalf("versions of data/a.csv: %+v, %v", all, err)
	}
	id := all.Versions[1].VersionID
	counting.Reset()
	_, err = c.Get(ctx, remote.GetRequest{Bucket: testBucket, Key: "data/a.csv", VersionID: id, Length: -1})
	if !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("versioned Get of an invisible key: %v, want not found", err)
	}
	if _, err := c.HeadVersion(ctx, testBucket, "data/a.csv", id); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("HeadVersion of an invisible key: %v, want not found", err)
	}
	if _, err := c.BucketVersioning(ctx, "elsewhere"); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("BucketVersioning of an invisible bucket: %v, want not found", err)
	}
	if n := counting.Total(); n != 0 {
		t.Errorf("refused versioned reads sent %d requests", n)
	}
	if v, err := c.BucketVersioning(ctx, testBucket); err != nil || v != remote.VersioningEnabled {
		t.Errorf("BucketVersioning of the connector's bucket: %q, %v", v, err)
	}
}

// TestRetryVersions: the versions calls are retried like the others.
func TestRetryVersions(t *testing.T) {
	f, counted, c, _ := retryFixture(t, remote.RetryConfig{})
	if err := f.SetVersioning("bkt", remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, op := range []string{remote.OpListVersions, remote.OpGetBucketVersioning, remote.OpHead} {
		f.FailNext(op, remote.ErrTransient, 1)
	}
	if _, err := c.ListVersions(ctx, remote.ListVersionsRequest{Bucket: "bkt"}); err != nil {
		t.Fatal(err)
	}
	if v, err := c.BucketVersioning(ctx, "bkt"); err != nil || v != remote.VersioningEnabled {
		t.Fatalf("BucketVersioning: %q, %v", v, err)
	}
	page, _ := f.ListVersions(ctx, remote.ListVersionsRequest{Bucket: "bkt"})
	if _, err := c.HeadVersion(ctx, "bkt", "k", page.Versions[0].VersionID); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{remote.OpListVersions, remote.OpGetBucketVersioning, remote.OpHead} {
		if n := counted.Count(op); n != 2 {
			t.Errorf("%s: %d attempts, want 2", op, n)
		}
	}
}
