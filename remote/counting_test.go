package remote_test

import (
	"bytes"
	"maps"
	"sync"
	"testing"

	"github.com/objfs/objfs/remote"
)

func TestCountingCounts(t *testing.T) {
	f := remote.NewFake()
	c := remote.NewCounting(f)
	ctx := t.Context()
	if err := c.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	c.Put(ctx, remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(nil)})
	c.Head(ctx, "bkt", "k")
	c.Head(ctx, "bkt", "missing") // failures count too: they were requests
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})
	want := map[string]int64{remote.OpCreateBucket: 1, remote.OpPut: 1, remote.OpHead: 2, remote.OpList: 1}
	snap := c.Snapshot()
	if !maps.Equal(snap, want) {
		t.Fatalf("Snapshot = %v, want %v", snap, want)
	}
	snap[remote.OpHead] = 99 // a copy
	if c.Count(remote.OpHead) != 2 || c.Total() != 5 {
		t.Fatalf("Count(Head) %d, Total %d, want 2 and 5", c.Count(remote.OpHead), c.Total())
	}
	c.Reset()
	if len(c.Snapshot()) != 0 || c.Total() != 0 {
		t.Fatalf("after Reset: %v", c.Snapshot())
	}
}

func TestCountingConcurrent(t *testing.T) {
	f := remote.NewFake()
	c := remote.NewCounting(f)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.HeadBucket(t.Context(), "nope")
				c.Snapshot()
			}
		})
	}
	wg.Wait()
	if n := c.Count(remote.OpHeadBucket); n != 800 {
		t.Fatalf("counted %d, want 800", n)
	}
}

// TestCountingEveryOp: each Client method is counted under its own name.
func TestCountingEveryOp(t *testing.T) {
	c := remote.NewCounting(remote.NewFake())
	ctx := t.Context()
	body := bytes.NewReader(nil)
	c.ListBuckets(ctx)
	c.HeadBucket(ctx, "b")
	c.List(ctx, remote.ListRequest{Bucket: "b"})
	c.Head(ctx, "b", "k")
	c.Get(ctx, remote.GetRequest{Bucket: "b", Key: "k"})
	c.Put(ctx, remote.PutRequest{Bucket: "b", Key: "k", Body: body})
	c.Copy(ctx, remote.CopyRequest{})
	c.Delete(ctx, "b", "k")
	c.CreateBucket(ctx, "b")
	c.DeleteBucket(ctx, "b")
	c.CreateMultipart(ctx, remote.CreateMultipartRequest{})
	c.UploadPart(ctx, remote.UploadPartRequest{Body: body})
	c.UploadPartCopy(ctx, remote.UploadPartCopyRequest{})
	c.CompleteMultipart(ctx, remote.CompleteMultipartRequest{})
	c.AbortMultipart(ctx, "b", "k", "u")
	c.ListMultipartUploads(ctx, "b", "")
	c.ListVersions(ctx, remote.ListVersionsRequest{Bucket: "b"})
	c.BucketVersioning(ctx, "b")
	for _, op := range remote.Ops {
		if n := c.Count(op); n != 1 {
			t.Errorf("%s counted %d times, want 1", op, n)
		}
	}
	if c.Total() != int64(len(remote.Ops)) {
		t.Errorf("Total %d, want %d", c.Total(), len(remote.Ops))
	}
}

func TestCountingConformance(t *testing.T) {
	runConformance(t, func(f *remote.Fake) remote.Client { return remote.NewCounting(f) })
}
