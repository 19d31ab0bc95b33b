package remote_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/remote/remotetest"
)

const testBucket = testkit.Bucket

var (
	testConnector   = testkit.Connector
	seedKeys        = testkit.SeedKeys
	newCountingFake = testkit.NewFake
	put             = testkit.Put
	listAllKeys     = testkit.ListAllKeys
)

var seeded = []string{"data/a.csv", "data/out/r1.txt", "data/outer.txt", "other/x", "team.jpg", "team.jpgx", "zz/"}

// TestRestrictedRefusesWithoutRequest: every call the connector refuses
// fails with the sentinel for its denial kind and sends nothing.
func TestRestrictedRefusesWithoutRequest(t *testing.T) {
	fake, counting := newCountingFake(t)
	seedKeys(t, fake, seeded...)
	ro := remote.Restrict(counting, testConnector(t, "raw", "read", "bucket/*"))
	rw := remote.Restrict(counting, testConnector(t, "out", "readwrite", "bucket/data/out/*", "bucket/team.jpg"))
	ctx := context.Background()
	body := func() remote.PutRequest {
		return remote.PutRequest{Bucket: testBucket, Key: "data/out/new", Body: bytes.NewReader(nil)}
	}
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"ro put", func() error { _, err := ro.Put(ctx, body()); return err }, remote.ErrReadOnly},
		{"ro delete", func() error { return ro.Delete(ctx, testBucket, "team.jpg") }, remote.ErrReadOnly},
		{"ro copy", func() error {
			_, err := ro.Copy(ctx, remote.CopyRequest{SrcBucket: testBucket, SrcKey: "team.jpg", DstBucket: testBucket, DstKey: "t2"})
			return err
		}, remote.ErrReadOnly},
		{"ro create bucket", func() error { return ro.CreateBucket(ctx, "bucket2") }, remote.ErrReadOnly},
		{"ro delete bucket", func() error { return ro.DeleteBucket(ctx, testBucket) }, remote.ErrReadOnly},
		{"ro multipart", func() error {
			_, err := ro.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: testBucket, Key: "k"})
			return err
		}, remote.ErrReadOnly},
		{"ro upload part", func() error {
			_, err := ro.UploadPart(ctx, remote.UploadPartRequest{Bucket: testBucket, Key: "k", UploadID: "u", Number: 1, Body: bytes.NewReader(nil)})
			return err
		}, remote.ErrReadOnly},
		{"ro complete", func() error {
			_, err := ro.CompleteMultipart(ctx, remote.CompleteMultipartRequest{Bucket: testBucket, Key: "k", UploadID: "u"})
			return err
		}, remote.ErrReadOnly},
		{"ro abort", func() error { return ro.AbortMultipart(ctx, testBucket, "k", "u") }, remote.ErrReadOnly},
		{"rw put outside", func() error {
			r := body()
			r.Key = "data/new"
			_, err := rw.Put(ctx, r)
			return err
		}, remote.ErrDenied},
		{"rw put in invisible dir", func() error {
			r := body()
			r.Key = "other/new"
			_, err := rw.Put(ctx, r)
			return err
		}, remote.ErrNotFound},
		{"rw put non-canonical", func() error {
			r := body()
			r.Key = "data/out/../a.csv"
			_, err := rw.Put(ctx, r)
			return err
		}, remote.ErrNotFound},
		{"rw delete outside", func() error { return rw.Delete(ctx, testBucket, "data/a.csv") }, remote.ErrDenied},
		{"rw delete on the way", func() error { return rw.Delete(ctx, testBucket, "data/") }, remote.ErrDenied},
		{"rw copy from invisible", func() error {
			_, err := rw.Copy(ctx, remote.CopyRequest{SrcBucket: testBucket, SrcKey: "other/x", DstBucket: testBucket, DstKey: "data/out/x"})
			return err
		}, remote.ErrNotFound},
		{"rw copy to outside", func() error {
			_, err := rw.Copy(ctx, remote.CopyRequest{SrcBucket: testBucket, SrcKey: "data/out/r1.txt", DstBucket: testBucket, DstKey: "data/r1.txt"})
			return err
		}, remote.ErrDenied},
		{"rw part copy from invisible", func() error {
			_, err := rw.UploadPartCopy(ctx, remote.UploadPartCopyRequest{Bucket: testBucket, Key: "data/out/big", UploadID: "u", Number: 1,
				SrcBucket: testBucket, SrcKey: "data/a.csv", Length: 1})
			return err
		}, remote.ErrNotFound},
		{"rw create bucket", func() error { return rw.CreateBucket(ctx, "bucket2") }, remote.ErrDenied},
		{"rw delete bucket", func() error { return rw.DeleteBucket(ctx, testBucket) }, remote.ErrDenied},
		{"rw head invisible", func() error { _, err := rw.Head(ctx, testBucket, "data/a.csv"); return err }, remote.ErrNotFound},
		{"rw head raw-prefix lookalike", func() error { _, err := rw.Head(ctx, testBucket, "team.jpgx"); return err }, remote.ErrNotFound},
		{"rw get invisible", func() error {
			_, err := rw.Get(ctx, remote.GetRequest{Bucket: testBucket, Key: "other/x", Length: -1})
			return err
		}, remote.ErrNotFound},
		{"rw head bucket invisible", func() error { return rw.HeadBucket(ctx, "secret-bucket") }, remote.ErrNotFound},
	}
	for _, tc := range cases {
		err := tc.call()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if got := counting.Snapshot(); len(got) != 0 {
		t.Errorf("refused calls sent requests: %v", got)
	}
	if keys := listAllKeys(t, fake); !slices.Equal(keys, sortedCopy(seeded)) {
		t.Errorf("bucket changed: %q", keys)
	}
}

// TestRestrictedAllowsInside: what the connector allows goes through.
func TestRestrictedAllowsInside(t *testing.T) {
	fake, counting := newCountingFake(t)
	seedKeys(t, fake, seeded...)
	rw := remote.Restrict(counting, testConnector(t, "out", "readwrite", "bucket/data/out/*", "bucket/team.jpg"))
	ctx := context.Background()
	put(t, rw, "data/out/new.txt", []byte("new"), nil)
	if _, err := rw.Copy(ctx, remote.CopyRequest{SrcBucket: testBucket, SrcKey: "team.jpg", DstBucket: testBucket, DstKey: "data/out/team.jpg"}); err != nil {
		t.Fatal(err)
	}
	if err := rw.Delete(ctx, testBucket, "data/out/r1.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Head(ctx, testBucket, "team.jpg"); err != nil {
		t.Fatal(err)
	}
	want := sortedCopy([]string{"data/a.csv", "data/out/new.txt", "data/out/team.jpg", "data/outer.txt", "other/x", "team.jpg", "team.jpgx", "zz/"})
	if keys := listAllKeys(t, fake); !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if n := counting.Count(remote.OpPut) + counting.Count(remote.OpCopy) + counting.Count(remote.OpDelete); n != 3 {
		t.Errorf("%d changing requests, want 3", n)
	}
}

// TestRestrictedList: listings show exactly the visible entries and the
// directories on the way, even those S3 does not hold yet.
func TestRestrictedList(t *testing.T) {
	fake, counting := newCountingFake(t)
	seedKeys(t, fake, seeded...)
	c := remote.Restrict(counting, testConnector(t, "out", "readwrite",
		"bucket/data/out/*", "bucket/team.jpg", "bucket/new/deep/er/*"))
	cases := []struct {
		prefix            string
		objects, prefixes []string
		requests          int64
	}{
		{"", []string{"team.jpg"}, []string{"data/", "new/"}, 1},
		{"data/", []string{"data/"}, []string{"data/out/"}, 1},
		{"data/out/", []string{"data/out/", "data/out/r1.txt"}, nil, 1},
		{"new/", []string{"new/"}, []string{"new/deep/"}, 1},
		{"new/deep/er/", []string{"new/deep/er/"}, nil, 1},
		{"other/", nil, nil, 0},
		{"zz/", nil, nil, 0},
		{"data/out/../", nil, nil, 0},
	}
	for _, tc := range cases {
		counting.Reset()
		page, err := c.List(context.Background(), remote.ListRequest{Bucket: testBucket, Prefix: tc.prefix, Delimiter: "/"})
		if err != nil {
			t.Fatalf("list %q: %v", tc.prefix, err)
		}
		var objs []string
		for _, o := range page.Objects {
			objs = append(objs, o.Key)
		}
		if !slices.Equal(objs, tc.objects) || !slices.Equal(page.Prefixes, tc.prefixes) {
			t.Errorf("list %q: objects %q prefixes %q, want %q %q", tc.prefix, objs, page.Prefixes, tc.objects, tc.prefixes)
		}
		if n := counting.Total(); n != tc.requests {
			t.Errorf("list %q: %d requests, want %d", tc.prefix, n, tc.requests)
		}
	}
}

// TestRestrictedListPagesAndWalks: filtering works across pages and for
// recursive walks, which get nothing added.
func TestRestrictedListPagesAndWalks(t *testing.T) {
	fake, _ := newCountingFake(t)
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprintf("data/f%02d", i), fmt.Sprintf("data/out/g%02d", i))
	}
	seedKeys(t, fake, keys...)
	c := remote.Restrict(fake, testConnector(t, "out", "read", "bucket/data/out/*", "bucket/data/f07"))
	var got []string
	req := remote.ListRequest{Bucket: testBucket, Prefix: "data/", MaxKeys: 7}
	for {
		page, err := c.List(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			got = append(got, o.Key)
		}
		if len(page.Prefixes) != 0 {
			t.Errorf("recursive walk got prefixes %q", page.Prefixes)
		}
		if page.NextToken == "" {
			break
		}
		req.Token = page.NextToken
	}
	want := []string{"data/f07"}
	for i := range 30 {
		want = append(want, fmt.Sprintf("data/out/g%02d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk got %q, want %q", got, want)
	}
}

// TestRestrictedListBuckets: named buckets are shown without a request;
// a prefix pattern lists and filters.
func TestRestrictedListBuckets(t *testing.T) {
	fake, counting := newCountingFake(t)
	for _, b := range []string{"bucket-other", "bucketx", "logs"} {
		if err := fake.CreateBucket(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	names := func(c remote.Client) []string {
		t.Helper()
		bs, err := c.ListBuckets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			out = append(out, b.Name)
		}
		return out
	}
	named := remote.Restrict(counting, testConnector(t, "n", "read", "bucket/data/*", "logs/x", "zeta/"))
	if got, want := names(named), []string{"bucket", "logs", "zeta"}; !slices.Equal(got, want) {
		t.Errorf("named: %q, want %q", got, want)
	}
	if n := counting.Total(); n != 0 {
		t.Errorf("named buckets sent %d requests", n)
	}
	prefixed := remote.Restrict(counting, testConnector(t, "p", "read", "bucket-*", "logs/x"))
	if got, want := names(prefixed), []string{"bucket-other", "logs"}; !slices.Equal(got, want) {
		t.Errorf("prefixed: %q, want %q", got, want)
	}
	all := remote.Restrict(counting, testConnector(t, "a", "read"))
	if got, want := names(all), []string{"bucket", "bucket-other", "bucketx", "logs"}; !slices.Equal(got, want) {
		t.Errorf("everything: %q, want %q", got, want)
	}
}

// TestRestrictedMultipartUploadsFiltered: incomplete uploads of invisible
// keys are not listed.
func TestRestrictedMultipartUploadsFiltered(t *testing.T) {
	fake, _ := newCountingFake(t)
	ctx := context.Background()
	for _, k := range []string{"data/out/a", "data/b"} {
		if _, err := fake.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: testBucket, Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	c := remote.Restrict(fake, testConnector(t, "out", "readwrite", "bucket/data/out/*"))
	ups, err := c.ListMultipartUploads(ctx, testBucket, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].Key != "data/out/a" {
		t.Errorf("uploads %+v, want only data/out/a", ups)
	}
}

// TestRestrictedConformance: a connector that allows everything is
// transparent: the remote conformance suite passes through it.
func TestRestrictedConformance(t *testing.T) {
	remotetest.Run(t, func(t *testing.T) (remote.Client, string) {
		f := remote.NewFake()
		if err := f.CreateBucket(t.Context(), testBucket); err != nil {
			t.Fatal(err)
		}
		return remote.Restrict(f, testConnector(t, "all", "readwrite")), testBucket
	})
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
