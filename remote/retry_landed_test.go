package remote_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/objfs/objfs/remote"
)

var landedMeta = map[string]string{remote.MetaMtime: "1700000000.123456789"}

func excPut(key, data string, meta map[string]string) remote.PutRequest {
	return remote.PutRequest{Bucket: "bkt", Key: key, Body: bytes.NewReader([]byte(data)),
		Size: int64(len(data)), Metadata: meta, IfNoneMatch: true}
}

// startUpload uploads two parts (the first of MinPartSize) to a new
// upload of key, directly on the Fake.
func startUpload(t *testing.T, f *remote.Fake, key string) (string, []remote.Part) {
	t.Helper()
	ctx := t.Context()
	id, err := f.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: "bkt", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var parts []remote.Part
	for i, data := range [][]byte{bytes.Repeat([]byte{'a'}, remote.MinPartSize), []byte("tail")} {
		p, err := f.UploadPart(ctx, remote.UploadPartRequest{Bucket: "bkt", Key: key, UploadID: id,
			Number: int32(i + 1), Body: bytes.NewReader(data), Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	return id, parts
}

// TestRetryPutLostAnswer: a create whose first attempt landed but whose
// answer was lost is refused by its own object on the retry; the HEAD
// recognises it and the create succeeds.
func TestRetryPutLostAnswer(t *testing.T) {
	f, counted, c, _ := retryFixture(t, remote.RetryConfig{})
	f.LoseAnswer(remote.OpPut, 1)
	info, err := c.Put(t.Context(), excPut("new", "mine", landedMeta))
	if err != nil {
		t.Fatalf("create whose answer was lost: %v", err)
	}
	head, err := f.Head(t.Context(), "bkt", "new")
	if err != nil || info.ETag != head.ETag || info.Size != 4 || info.Metadata[remote.MetaMtime] != landedMeta[remote.MetaMtime] {
		t.Fatalf("result %+v, object %+v (%v)", info, head, err)
	}
	if p, h := counted.Count(remote.OpPut), counted.Count(remote.OpHead); p != 2 || h != 1 {
		t.Errorf("%d PUTs and %d HEADs, want 2 and 1", p, h)
	}
}

// TestRetryCompleteLostAnswer: a completion whose answer was lost finds
// its upload gone on the retry (or, with IfNoneMatch, its object there);
// the HEAD finds the multipart ETag of its parts and it succeeds.
func TestRetryCompleteLostAnswer(t *testing.T) {
	for _, excl := range []bool{false, true} {
		f, counted, c, _ := retryFixture(t, remote.RetryConfig{})
		id, parts := startUpload(t, f, "big")
		f.LoseAnswer(remote.OpCompleteMultipart, 1)
		info, err := c.CompleteMultipart(t.Context(), remote.CompleteMultipartRequest{
			Bucket: "bkt", Key: "big", UploadID: id, Parts: parts, IfNoneMatch: excl})
		if err != nil {
			t.Fatalf("IfNoneMatch %v: completion whose answer was lost: %v", excl, err)
		}
		head, err := f.Head(t.Context(), "bkt", "big")
		if err != nil || info.ETag != head.ETag || info.Size != -1 {
			t.Fatalf("IfNoneMatch %v: result %+v, object %+v (%v)", excl, info, head, err)
		}
		if n, h := counted.Count(remote.OpCompleteMultipart), counted.Count(remote.OpHead); n != 2 || h != 1 {
			t.Errorf("IfNoneMatch %v: %d completions and %d HEADs, want 2 and 1", excl, n, h)
		}
	}
}

// TestRetryPutOtherObjectStays: when the first attempt did not land and
// another writer's object holds the key, the refusal stands: other bytes,
// or the same bytes with other metadata (another creator of an empty lock
// file).
func TestRetryPutOtherObjectStays(t *testing.T) {
	for _, other := range []remote.PutRequest{
		excPut("k2", "theirs", landedMeta),
		excPut("k2", "mine", map[string]string{remote.MetaMtime: "1700000000.5"}),
		excPut("k2", "mine", nil),
	} {
		f, counted, c, _ := retryFixture(t, remote.RetryConfig{})
		if _, err := f.Put(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		f.FailNext(remote.OpPut, remote.ErrTransient, 1) // not applied
		_, err := c.Put(t.Context(), excPut("k2", "mine", landedMeta))
		if !errors.Is(err, remote.ErrPreconditionFailed) {
			t.Errorf("over another object (meta %v): %v, want ErrPreconditionFailed", other.Metadata, err)
		}
		if h := counted.Count(remote.OpHead); h != 1 {
			t.Errorf("%d HEADs, want 1", h)
		}
	}
}

// TestRetryCompleteOtherObjectStays: the upload is gone because someone
// aborted it; what the key holds (another object, or nothing) is not this
// upload's, so ErrNotFound stands.
func TestRetryCompleteOtherObjectStays(t *testing.T) {
	for _, other := range []string{"theirs", ""} {
		f, _, c, _ := retryFixture(t, remote.RetryConfig{})
		id, parts := startUpload(t, f, "big")
		if other != "" {
			if _, err := f.Put(t.Context(), excPut("big", other, nil)); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.AbortMultipart(t.Context(), "bkt", "big", id); err != nil {
			t.Fatal(err)
		}
		f.FailNext(remote.OpCompleteMultipart, remote.ErrTransient, 1)
		_, err := c.CompleteMultipart(t.Context(), remote.CompleteMultipartRequest{
			Bucket: "bkt", Key: "big", UploadID: id, Parts: parts})
		if !errors.Is(err, remote.ErrNotFound) {
			t.Errorf("aborted upload, key holding %q: %v, want ErrNotFound", other, err)
		}
	}
}

// TestRetryNoCheckWithoutDoubt: a refusal on the first attempt, or after
// attempts that never reached the server (connection refused), is final
// without a HEAD, even when the object there has the same bytes.
func TestRetryNoCheckWithoutDoubt(t *testing.T) {
	for _, before := range []error{nil, remote.ErrUnreachable} {
		f, counted, c, _ := retryFixture(t, remote.RetryConfig{})
		if _, err := f.Put(t.Context(), excPut("k2", "mine", landedMeta)); err != nil {
			t.Fatal(err)
		}
		if before != nil {
			f.FailNext(remote.OpPut, before, 2)
		}
		_, err := c.Put(t.Context(), excPut("k2", "mine", landedMeta))
		if !errors.Is(err, remote.ErrPreconditionFailed) || counted.Count(remote.OpHead) != 0 {
			t.Errorf("after %v: %v with %d HEADs, want ErrPreconditionFailed and none", before, err, counted.Count(remote.OpHead))
		}
	}
}

// TestRetryLostAnswerEncrypted: under SSE-KMS or SSE-C (ETagsNotMD5) no
// ETag is predicted: a lost answer's refusal stands, without a HEAD,
// even though the Fake's object here has the MD5 ETag (a false failure,
// never a false success).
func TestRetryLostAnswerEncrypted(t *testing.T) {
	f, counted, c, _ := retryFixture(t, remote.RetryConfig{ETagsNotMD5: true})
	f.LoseAnswer(remote.OpPut, 1)
	if _, err := c.Put(t.Context(), excPut("new", "mine", landedMeta)); !errors.Is(err, remote.ErrPreconditionFailed) {
		t.Errorf("encrypted put whose answer was lost: %v, want ErrPreconditionFailed", err)
	}
	id, parts := startUpload(t, f, "big")
	f.LoseAnswer(remote.OpCompleteMultipart, 1)
	_, err := c.CompleteMultipart(t.Context(), remote.CompleteMultipartRequest{
		Bucket: "bkt", Key: "big", UploadID: id, Parts: parts})
	if !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("encrypted completion whose answer was lost: %v, want ErrNotFound", err)
	}
	if h := counted.Count(remote.OpHead); h != 0 {
		t.Errorf("%d HEADs, want none", h)
	}
}
