package writeback

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// TestFailedAbortIsRetried: when the abort after a failed upload fails
// too (the server is down), it is retried in the background until no
// incomplete upload is left.
func TestFailedAbortIsRetried(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	ctx := context.Background()
	w := u.Create(b, "k", false)
	defer w.Close()
	writeAll(t, w, randBytes(rand.New(rand.NewPCG(2, 2)), testPart+1), 0)
	f.FailNext(remote.OpCompleteMultipart, remote.ErrUnreachable, 1)
	f.FailNext(remote.OpAbortMultipart, remote.ErrUnreachable, 2)
	if _, err := w.Commit(ctx); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("commit: %v", err)
	}
	if ups, _ := f.ListMultipartUploads(ctx, b, ""); len(ups) != 1 || u.Orphans() != 1 {
		t.Fatalf("%d uploads, %d orphans right after the failed abort", len(ups), u.Orphans())
	}
	deadline := time.Now().Add(10 * time.Second)
	for u.Orphans() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if ups, _ := f.ListMultipartUploads(ctx, b, ""); len(ups) != 0 || u.Orphans() != 0 {
		t.Fatalf("%d uploads, %d orphans left after retries", len(ups), u.Orphans())
	}
}

// TestCommitAllRetriesAborts: shutdown tries the pending aborts once more
// and reports those that still fail.
func TestCommitAllRetriesAborts(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	ctx := context.Background()
	id, err := f.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: b, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	f.FailNext(remote.OpAbortMultipart, remote.ErrUnreachable, 2)
	u.abort(ctx, b, "k", id)
	if err := u.CommitAll(ctx); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("CommitAll with the server still down: %v", err)
	}
	if err := u.CommitAll(ctx); err != nil {
		t.Fatal(err)
	}
	if ups, _ := f.ListMultipartUploads(ctx, b, ""); len(ups) != 0 {
		t.Fatalf("%d uploads left", len(ups))
	}
}
