package remotetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/objfs/objfs/remote"
)

var bucketTests = map[string]func(*testing.T, *env){
	"HeadBucket":     testHeadBucket,
	"Lifecycle":      testBucketLifecycle,
	"CreateExisting": testCreateExisting,
	"DeleteNotEmpty": testDeleteNotEmpty,
	"InvalidName":    testInvalidBucketName,
}

// siblingBucket derives a fresh bucket name from the suite's bucket.
func siblingBucket(e *env, suffix string) string {
	base := e.bucket
	if len(base)+len(suffix) > 63 {
		base = strings.TrimRight(base[:63-len(suffix)], "-.")
	}
	return base + suffix
}

func testHeadBucket(t *testing.T, e *env) {
	if err := e.c.HeadBucket(e.ctx, e.bucket); err != nil {
		t.Fatalf("HeadBucket of the test bucket: %v", err)
	}
	err := e.c.HeadBucket(e.ctx, siblingBucket(e, "-missing"))
	wantErr(t, "HeadBucket of a missing bucket", err, remote.ErrNotFound)
}

func testBucketLifecycle(t *testing.T, e *env) {
	name := siblingBucket(e, "-new")
	if err := e.c.CreateBucket(e.ctx, name); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	if err := e.c.HeadBucket(e.ctx, name); err != nil {
		t.Fatalf("HeadBucket of the new bucket: %v", err)
	}
	buckets, err := e.c.ListBuckets(e.ctx)
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range buckets {
		names = append(names, b.Name)
		if b.Name == name && b.Created.IsZero() {
			t.Errorf("bucket %s has no creation time", name)
		}
	}
	if !slices.IsSorted(names) || !slices.Contains(names, name) || !slices.Contains(names, e.bucket) {
		t.Fatalf("ListBuckets = %q: want it sorted, with %s and %s", names, name, e.bucket)
	}
	if err := e.c.DeleteBucket(e.ctx, name); err != nil {
		t.Fatalf("DeleteBucket of the empty bucket: %v", err)
	}
	wantErr(t, "HeadBucket after DeleteBucket", e.c.HeadBucket(e.ctx, name), remote.ErrNotFound)
	wantErr(t, "DeleteBucket again", e.c.DeleteBucket(e.ctx, name), remote.ErrNotFound)
}

func testCreateExisting(t *testing.T, e *env) {
	wantErr(t, "CreateBucket of an existing bucket", e.c.CreateBucket(e.ctx, e.bucket), remote.ErrExists)
}

func testDeleteNotEmpty(t *testing.T, e *env) {
	if _, err := e.c.Put(e.ctx, remote.PutRequest{Bucket: e.bucket, Key: "keep",
		Body: bytes.NewReader([]byte("x")), Size: 1}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	wantErr(t, "DeleteBucket of a bucket with an object", e.c.DeleteBucket(e.ctx, e.bucket), remote.ErrNotEmpty)
	if err := e.c.HeadBucket(e.ctx, e.bucket); err != nil {
		t.Fatalf("bucket gone after a refused delete: %v", err)
	}
}

func testInvalidBucketName(t *testing.T, e *env) {
	for _, name := range []string{"Upper_Case", "ab", "-dash-first"} {
		wantErr(t, "CreateBucket "+name, e.c.CreateBucket(e.ctx, name), remote.ErrInvalidArgument)
	}
}
