package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/remote/remotetest"
)

const fakeBucket = "test-bucket"

// runConformance runs the suite over a Fake, wrapped by wrap.
func runConformance(t *testing.T, wrap func(*remote.Fake) remote.Client) {
	remotetest.Run(t, func(t *testing.T) (remote.Client, string) {
		f := remote.NewFake()
		if err := f.CreateBucket(t.Context(), fakeBucket); err != nil {
			t.Fatal(err)
		}
		return wrap(f), fakeBucket
	})
}

func TestFakeConformance(t *testing.T) {
	runConformance(t, func(f *remote.Fake) remote.Client { return f })
}

func newFake(t *testing.T) *remote.Fake {
	t.Helper()
	f := remote.NewFake()
	if err := f.CreateBucket(t.Context(), fakeBucket); err != nil {
		t.Fatal(err)
	}
	return f
}

func fakePut(t *testing.T, f *remote.Fake, key, data string) remote.ObjectInfo {
	t.Helper()
	info, err := f.Put(t.Context(), remote.PutRequest{Bucket: fakeBucket, Key: key,
		Body: strings.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestFakeFailNext(t *testing.T) {
	f := newFake(t)
	fakePut(t, f, "k", "v")
	ctx := t.Context()
	f.FailNext(remote.OpHead, remote.ErrTransient, 2)
	for i := range 2 {
		_, err := f.Head(ctx, fakeBucket, "k")
		var e *remote.Error
		if !errors.Is(err, remote.ErrTransient) || !errors.As(err, &e) || e.Op != remote.OpHead {
			t.Fatalf("call %d: %v, want an injected transient *Error", i, err)
		}
	}
	if _, err := f.Head(ctx, fakeBucket, "k"); err != nil {
		t.Fatalf("third call: %v, want success", err)
	}
	if _, err := f.List(ctx, remote.ListRequest{Bucket: fakeBucket}); err != nil {
		t.Fatalf("other op affected: %v", err)
	}

	f.FailNext(remote.AnyOp, remote.ErrUnreachable, 1)
	if err := f.HeadBucket(ctx, fakeBucket); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("AnyOp fault: %v", err)
	}
	f.FailNext(remote.OpGet, remote.ErrTransient, 5)
	f.FailNext(remote.OpGet, nil, 0) // clears
	if _, err := f.Get(ctx, remote.GetRequest{Bucket: fakeBucket, Key: "k", Length: -1}); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
}

// TestFakeLoseAnswer: the write takes effect, its caller sees a transient
// failure; reads are unaffected, and the next write answers again.
func TestFakeLoseAnswer(t *testing.T) {
	f := newFake(t)
	ctx := t.Context()
	f.LoseAnswer(remote.OpPut, 1)
	f.LoseAnswer(remote.AnyOp, 1)
	info, err := f.Put(ctx, remote.PutRequest{Bucket: fakeBucket, Key: "k", Body: strings.NewReader("v"), Size: 1})
	var e *remote.Error
	if !errors.Is(err, remote.ErrTransient) || !errors.As(err, &e) || e.Op != remote.OpPut || info.ETag != "" {
		t.Fatalf("Put with a lost answer: %+v, %v; want a zero result and an injected transient *Error", info, err)
	}
	if got, err := f.Head(ctx, fakeBucket, "k"); err != nil || got.Size != 1 {
		t.Fatalf("the write did not take effect: %+v, %v", got, err)
	}
	if err := f.Delete(ctx, fakeBucket, "k"); !errors.Is(err, remote.ErrTransient) {
		t.Fatalf("Delete under AnyOp: %v, want a lost answer", err)
	}
	if _, err := f.Head(ctx, fakeBucket, "k"); !errors.Is(err, remote.ErrNotFound) {
		t.Fatalf("the delete did not take effect: %v", err)
	}
	fakePut(t, f, "k", "w") // answers again

	f.LoseAnswer(remote.OpDelete, 3)
	f.LoseAnswer(remote.OpDelete, 0) // clears
	if err := f.Delete(ctx, fakeBucket, "k"); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
}

func TestFakeHookBlocksUntilCancel(t *testing.T) {
	f := newFake(t)
	started := make(chan string, 1)
	f.SetHook(remote.OpGet, func(ctx context.Context, op string) error {
		started <- op
		<-ctx.Done()
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := f.Get(ctx, remote.GetRequest{Bucket: fakeBucket, Key: "k", Length: -1})
		errc <- err
	}()
	if op := <-started; op != remote.OpGet {
		t.Fatalf("hook saw op %q", op)
	}
	if err := f.HeadBucket(t.Context(), fakeBucket); err != nil { // the Fake is not locked meanwhile
		t.Fatalf("HeadBucket while a hook blocks: %v", err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked Get after cancel: %v", err)
	}
	f.SetHook(remote.OpGet, nil)
	fakePut(t, f, "k", "v")
	if _, err := f.Get(t.Context(), remote.GetRequest{Bucket: fakeBucket, Key: "k", Length: -1}); err != nil {
		t.Fatalf("after removing the hook: %v", err)
	}
}

func TestFakeClock(t *testing.T) {
	f := remote.NewFake()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f.SetClock(func() time.Time { return at })
	if err := f.CreateBucket(t.Context(), fakeBucket); err != nil {
		t.Fatal(err)
	}
	fakePut(t, f, "k", "v")
	info, _ := f.Head(t.Context(), fakeBucket, "k")
	buckets, _ := f.ListBuckets(t.Context())
	if !info.LastModified.Equal(at) || len(buckets) != 1 || !buckets[0].Created.Equal(at) {
		t.Fatalf("LastModified %v, buckets %+v, want %v", info.LastModified, buckets, at)
	}
}

// TestFakeShadowedObject: an object and a prefix of the same name both
// list, as on AWS (MinIO cannot store both, so the suite leaves it out).
func TestFakeShadowedObject(t *testing.T) {
	f := newFake(t)
	for _, k := range []string{"a", "a/", "a/b", "a/c/d", "b"} {
		fakePut(t, f, k, k)
	}
	page, err := f.List(t.Context(), remote.ListRequest{Bucket: fakeBucket, Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range page.Objects {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"a", "b"}) || !slices.Equal(page.Prefixes, []string{"a/"}) {
		t.Fatalf("keys %q prefixes %q", keys, page.Prefixes)
	}
}

// TestFakeCRC32CPartNeedsDeclaredUpload: a part sent with CRC32C into an
// upload that declared no checksum is refused, as AWS does ("Checksum
// Type mismatch"; MinIO accepts it, so the suite leaves it out).
func TestFakeCRC32CPartNeedsDeclaredUpload(t *testing.T) {
	f := newFake(t)
	id, err := f.CreateMultipart(t.Context(), remote.CreateMultipartRequest{Bucket: fakeBucket, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.UploadPart(t.Context(), remote.UploadPartRequest{Bucket: fakeBucket, Key: "k", UploadID: id,
		Number: 1, Body: strings.NewReader("part"), Size: 4, Checksum: remote.PartsCRC32C})
	if !errors.Is(err, remote.ErrInvalidArgument) {
		t.Fatalf("CRC32C part into an MD5 upload: %v, want invalid argument", err)
	}
}

// TestFakeIgnoreChecksums: a Fake that ignores flexible checksums, as
// Ceph RGW before Squid does, takes parts of either kind into a CRC32C
// upload (the S3 client switches to Content-MD5 mid-upload on such a
// server), returns no part CRC32C, and completes without one.
func TestFakeIgnoreChecksums(t *testing.T) {
	f := newFake(t)
	f.IgnoreChecksums()
	ctx := t.Context()
	id, err := f.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: fakeBucket, Key: "k", Checksum: remote.PartsCRC32C})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("a", remote.MinPartSize)
	var parts []remote.Part
	for n, sum := range []remote.PartChecksum{remote.PartsCRC32C, remote.PartsMD5} {
		p, err := f.UploadPart(ctx, remote.UploadPartRequest{Bucket: fakeBucket, Key: "k", UploadID: id,
			Number: int32(n + 1), Body: strings.NewReader(big), Size: int64(len(big)), Checksum: sum})
		if err != nil {
			t.Fatalf("part %d: %v", n+1, err)
		}
		if p.ChecksumCRC32C != "" {
			t.Errorf("part %d returned CRC32C %q from a server that ignores it", n+1, p.ChecksumCRC32C)
		}
		parts = append(parts, p)
	}
	if _, err := f.CompleteMultipart(ctx, remote.CompleteMultipartRequest{Bucket: fakeBucket, Key: "k", UploadID: id, Parts: parts}); err != nil {
		t.Fatalf("completion without checksums: %v", err)
	}
}

// TestFakeReaderKeepsVersion: a reader opened before an overwrite keeps
// returning the old bytes.
func TestFakeReaderKeepsVersion(t *testing.T) {
	f := newFake(t)
	fakePut(t, f, "k", "old bytes")
	rc, err := f.Get(t.Context(), remote.GetRequest{Bucket: fakeBucket, Key: "k", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	fakePut(t, f, "k", "new bytes")
	data, _ := io.ReadAll(rc)
	if string(data) != "old bytes" {
		t.Fatalf("reader returned %q after the overwrite", data)
	}
}

func TestFakeListBadToken(t *testing.T) {
	f := newFake(t)
	_, err := f.List(t.Context(), remote.ListRequest{Bucket: fakeBucket, Token: "garbage!"})
	if !errors.Is(err, remote.ErrInvalidArgument) {
		t.Fatalf("bad token: %v", err)
	}
}

// TestFakeRepeatListToken: with the fault set, a page asked for with a
// token answers that token again; the first page is unchanged, and once
// the fault is cleared paging is normal again.
func TestFakeRepeatListToken(t *testing.T) {
	f := newFake(t)
	for _, k := range []string{"a", "b", "c"} {
		fakePut(t, f, k, k)
	}
	ctx := t.Context()
	req := remote.ListRequest{Bucket: fakeBucket, MaxKeys: 1}
	first, err := f.List(ctx, req)
	if err != nil || first.NextToken == "" {
		t.Fatalf("first page: %+v %v", first, err)
	}
	f.RepeatListToken(true)
	if again, err := f.List(ctx, req); err != nil || again.NextToken != first.NextToken {
		t.Fatalf("first page with the fault: %+v %v, want it unchanged", again, err)
	}
	req.Token = first.NextToken
	for range 2 {
		page, err := f.List(ctx, req)
		if err != nil || page.NextToken != req.Token || len(page.Objects) != 1 || page.Objects[0].Key != "b" {
			t.Fatalf("page after %q: %+v %v, want b and the same token", req.Token, page, err)
		}
	}
	f.RepeatListToken(false)
	page, err := f.List(ctx, req)
	if err != nil || page.NextToken == req.Token || page.NextToken == "" {
		t.Fatalf("after clearing: %+v %v", page, err)
	}
}

func TestFakeConcurrent(t *testing.T) {
	f := newFake(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("w%d/%d", w, i)
				fakePut(t, f, key, key)
				if _, err := f.Head(t.Context(), fakeBucket, key); err != nil {
					t.Error(err)
				}
				f.List(t.Context(), remote.ListRequest{Bucket: fakeBucket, Delimiter: "/"})
			}
		})
	}
	wg.Wait()
	page, err := f.List(t.Context(), remote.ListRequest{Bucket: fakeBucket})
	if err != nil || len(page.Objects) != 200 {
		t.Fatalf("%d objects, %v; want 200", len(page.Objects), err)
	}
}

func TestFakeVersionsConformance(t *testing.T) {
	remotetest.RunVersions(t, func(t *testing.T) (remote.Client, string, func(remote.Versioning)) {
		f := newFake(t)
		return f, fakeBucket, func(v remote.Versioning) {
			if err := f.SetVersioning(fakeBucket, v); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestDecoratedVersionsConformance: the decorators pass versions through
// unchanged (a connector that allows everything, too).
func TestDecoratedVersionsConformance(t *testing.T) {
	remotetest.RunVersions(t, func(t *testing.T) (remote.Client, string, func(remote.Versioning)) {
		f := newFake(t)
		c := remote.WithRetry(remote.NewCounting(f), remote.RetryConfig{})
		return c, fakeBucket, func(v remote.Versioning) {
			if err := f.SetVersioning(fakeBucket, v); err != nil {
				t.Fatal(err)
			}
		}
	})
}
