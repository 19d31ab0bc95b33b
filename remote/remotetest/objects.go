package remotetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/objfs/objfs/remote"
)

var objectTests = map[string]func(*testing.T, *env){
	"PutHeadGet":        testPutHeadGet,
	"PutOverwrite":      testPutOverwrite,
	"PutIfNoneMatch":    testPutIfNoneMatch,
	"PutBodySize":       testPutBodySize,
	"GetRanges":         testGetRanges,
	"GetEmptyObject":    testGetEmptyObject,
	"GetIfMatch":        testGetIfMatch,
	"GetZeroLength":     testGetZeroLength,
	"NotFound":          testNotFound,
	"Delete":            testDelete,
	"Copy":              testCopy,
	"CopyReplaceMeta":   testCopyReplaceMetadata,
	"CopyPreconditions": testCopyPreconditions,
	"CanceledContext":   testCanceledContext,
}

func testPutHeadGet(t *testing.T, e *env) {
	data := pattern(1000, 1)
	meta := map[string]string{remote.MetaMtime: "1700000000.5", "Color": "blue"}
	put := e.put("obj", data, meta)
	if put.ETag != md5ETag(data) || put.Key != "obj" || put.Size != int64(len(data)) {
		t.Fatalf("Put returned %+v, want key obj, size %d, ETag %s", put, len(data), md5ETag(data))
	}
	head := e.head("obj")
	if head.Size != int64(len(data)) || head.ETag != put.ETag || head.Key != "obj" {
		t.Fatalf("Head = %+v, want size %d ETag %s", head, len(data), put.ETag)
	}
	if head.LastModified.IsZero() {
		t.Errorf("Head: LastModified is zero")
	}
	want := map[string]string{"mtime": "1700000000.5", "color": "blue"}
	if !maps.Equal(head.Metadata, want) {
		t.Errorf("Head metadata = %v, want %v", head.Metadata, want)
	}
	wantBytes(t, "Get whole", e.mustRead(remote.GetRequest{Key: "obj", Length: -1}), data)
}

func testPutOverwrite(t *testing.T, e *env) {
	first := e.put("k", []byte("first version"), map[string]string{"a": "1"})
	second := e.put("k", []byte("second"), nil)
	if first.ETag == second.ETag {
		t.Fatalf("overwrite kept ETag %s", first.ETag)
	}
	head := e.head("k")
	if head.ETag != second.ETag || head.Size != 6 || len(head.Metadata) != 0 {
		t.Fatalf("after overwrite Head = %+v, want ETag %s, size 6, no metadata", head, second.ETag)
	}
	wantBytes(t, "Get", e.mustRead(remote.GetRequest{Key: "k", Length: -1}), []byte("second"))
}

func testPutIfNoneMatch(t *testing.T, e *env) {
	req := remote.PutRequest{Bucket: e.bucket, Key: "once", Body: bytes.NewReader([]byte("one")), Size: 3, IfNoneMatch: true}
	if _, err := e.c.Put(e.ctx, req); err != nil {
		t.Fatalf("first Put with IfNoneMatch: %v", err)
	}
	req.Body = bytes.NewReader([]byte("two"))
	_, err := e.c.Put(e.ctx, req)
	wantErr(t, "second Put with IfNoneMatch", err, remote.ErrPreconditionFailed)
	wantBytes(t, "content", e.mustRead(remote.GetRequest{Key: "once", Length: -1}), []byte("one"))
}

// testPutBodySize: the body is read from its start, exactly Size bytes; a
// short body is rejected and stores nothing.
func testPutBodySize(t *testing.T, e *env) {
	body := bytes.NewReader([]byte("0123456789"))
	if _, err := io.ReadAll(body); err != nil { // leave it at its end
		t.Fatal(err)
	}
	if _, err := e.c.Put(e.ctx, remote.PutRequest{Bucket: e.bucket, Key: "head4", Body: body, Size: 4}); err != nil {
		t.Fatalf("Put of the first 4 bytes: %v", err)
	}
	wantBytes(t, "stored", e.mustRead(remote.GetRequest{Key: "head4", Length: -1}), []byte("0123"))

	_, err := e.c.Put(e.ctx, remote.PutRequest{Bucket: e.bucket, Key: "short",
		Body: bytes.NewReader([]byte("abc")), Size: 10})
	wantErr(t, "Put with a short body", err, remote.ErrInvalidArgument)
	_, err = e.c.Head(e.ctx, e.bucket, "short")
	wantErr(t, "Head after the short Put", err, remote.ErrNotFound)
}

func testGetRanges(t *testing.T, e *env) {
	data := pattern(10000, 2)
	e.put("r", data, nil)
	cases := []struct {
		off, n int64
		want   []byte
	}{
		{0, 1, data[:1]},
		{0, -1, data},
		{1234, 100, data[1234:1334]},
		{9999, 1, data[9999:]},
		{9000, -1, data[9000:]},
		{9990, 500, data[9990:]}, // past the end: truncated
		{0, 10000, data},
	}
	for _, c := range cases {
		got := e.mustRead(remote.GetRequest{Key: "r", Offset: c.off, Length: c.n})
		wantBytes(t, "range", got, c.want)
	}
	for _, off := range []int64{10000, 20000} {
		_, err := e.read(remote.GetRequest{Key: "r", Offset: off, Length: 10})
		wantErr(t, "Get at or past the end", err, remote.ErrInvalidRange)
		_, err = e.read(remote.GetRequest{Key: "r", Offset: off, Length: -1})
		wantErr(t, "Get to the end from past the end", err, remote.ErrInvalidRange)
	}
}

func testGetEmptyObject(t *testing.T, e *env) {
	put := e.put("empty", nil, nil)
	if put.ETag != md5ETag(nil) {
		t.Errorf("empty object ETag %s, want %s", put.ETag, md5ETag(nil))
	}
	if h := e.head("empty"); h.Size != 0 {
		t.Fatalf("Head size %d, want 0", h.Size)
	}
	for _, n := range []int64{-1, 10} {
		got := e.mustRead(remote.GetRequest{Key: "empty", Length: n, IfMatch: put.ETag})
		wantBytes(t, "empty object", got, nil)
	}
	_, err := e.read(remote.GetRequest{Key: "empty", Offset: 1, Length: -1})
	wantErr(t, "Get at 1 of an empty object", err, remote.ErrInvalidRange)
}

func testGetIfMatch(t *testing.T, e *env) {
	v1 := e.put("pinned", pattern(4096, 3), nil)
	got := e.mustRead(remote.GetRequest{Key: "pinned", IfMatch: v1.ETag, Offset: 10, Length: 10})
	wantBytes(t, "pinned range", got, pattern(4096, 3)[10:20])
	e.put("pinned", pattern(4096, 4), nil)
	for _, n := range []int64{-1, 10} {
		_, err := e.read(remote.GetRequest{Key: "pinned", IfMatch: v1.ETag, Offset: 0, Length: n})
		wantErr(t, "Get pinned to the overwritten ETag", err, remote.ErrPreconditionFailed)
	}
	_, err := e.read(remote.GetRequest{Key: "pinned", IfMatch: v1.ETag, Offset: 100, Length: 10})
	wantErr(t, "ranged Get pinned to the overwritten ETag", err, remote.ErrPreconditionFailed)
}

// testGetZeroLength: Length 0 reads nothing but checks like a read.
func testGetZeroLength(t *testing.T, e *env) {
	v1 := e.put("z", pattern(10, 9), nil)
	got := e.mustRead(remote.GetRequest{Key: "z", Offset: 5, Length: 0, IfMatch: v1.ETag})
	wantBytes(t, "zero-length read", got, nil)
	_, err := e.read(remote.GetRequest{Key: "z", Offset: 10, Length: 0})
	wantErr(t, "zero-length read at the end", err, remote.ErrInvalidRange)
	_, err = e.read(remote.GetRequest{Key: "z", Length: 0, IfMatch: md5ETag([]byte("other"))})
	wantErr(t, "zero-length read pinned to another ETag", err, remote.ErrPreconditionFailed)
	_, err = e.read(remote.GetRequest{Key: "nothing", Length: 0})
	wantErr(t, "zero-length read of a missing key", err, remote.ErrNotFound)
}

func testNotFound(t *testing.T, e *env) {
	_, err := e.c.Head(e.ctx, e.bucket, "missing")
	wantErr(t, "Head missing key", err, remote.ErrNotFound)
	_, err = e.read(remote.GetRequest{Key: "missing", Length: -1})
	wantErr(t, "Get missing key", err, remote.ErrNotFound)
	_, err = e.read(remote.GetRequest{Key: "missing", Offset: 5, Length: 5})
	wantErr(t, "ranged Get missing key", err, remote.ErrNotFound)

	nb := e.bucket + "-nonexistent"
	_, err = e.c.Head(e.ctx, nb, "k")
	wantErr(t, "Head in missing bucket", err, remote.ErrNotFound)
	_, err = e.read(remote.GetRequest{Bucket: nb, Key: "k", Length: -1})
	wantErr(t, "Get in missing bucket", err, remote.ErrNotFound)
	_, err = e.c.List(e.ctx, remote.ListRequest{Bucket: nb, Delimiter: "/"})
	wantErr(t, "List missing bucket", err, remote.ErrNotFound)
	_, err = e.c.Put(e.ctx, remote.PutRequest{Bucket: nb, Key: "k", Body: bytes.NewReader(nil)})
	wantErr(t, "Put in missing bucket", err, remote.ErrNotFound)
}

func testDelete(t *testing.T, e *env) {
	e.put("gone", []byte("x"), nil)
	if err := e.c.Delete(e.ctx, e.bucket, "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := e.c.Head(e.ctx, e.bucket, "gone")
	wantErr(t, "Head after Delete", err, remote.ErrNotFound)
	if err := e.c.Delete(e.ctx, e.bucket, "gone"); err != nil {
		t.Fatalf("Delete of a missing key: %v, want success", err)
	}
	err = e.c.Delete(e.ctx, e.bucket+"-nonexistent", "k")
	wantErr(t, "Delete in missing bucket", err, remote.ErrNotFound)
}

func testCopy(t *testing.T, e *env) {
	data := pattern(3000, 5)
	src := e.put("src", data, map[string]string{"mtime": "1", "x": "kept"})
	info, err := e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "src",
		DstBucket: e.bucket, DstKey: "dst", Metadata: map[string]string{"ignored": "yes"}})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if info.Key != "dst" || info.ETag != src.ETag {
		t.Fatalf("Copy returned %+v, want key dst, ETag %s", info, src.ETag)
	}
	head := e.head("dst")
	want := map[string]string{"mtime": "1", "x": "kept"}
	if !maps.Equal(head.Metadata, want) || head.Size != int64(len(data)) {
		t.Fatalf("copy Head = %+v, want size %d and source metadata %v", head, len(data), want)
	}
	wantBytes(t, "copy content", e.mustRead(remote.GetRequest{Key: "dst", Length: -1}), data)
	wantBytes(t, "source content", e.mustRead(remote.GetRequest{Key: "src", Length: -1}), data)
}

func testCopyReplaceMetadata(t *testing.T, e *env) {
	e.put("f", []byte("body"), map[string]string{"mtime": "1", "old": "x"})
	// Copy onto itself with new metadata: how utimens updates mtime.
	newMeta := map[string]string{"mtime": "2"}
	info, err := e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "f",
		DstBucket: e.bucket, DstKey: "f", Metadata: newMeta, ReplaceMetadata: true})
	if err != nil {
		t.Fatalf("Copy onto itself with ReplaceMetadata: %v", err)
	}
	if !maps.Equal(info.Metadata, newMeta) {
		t.Errorf("Copy returned metadata %v, want %v", info.Metadata, newMeta)
	}
	if head := e.head("f"); !maps.Equal(head.Metadata, newMeta) {
		t.Fatalf("metadata after replace = %v, want %v", head.Metadata, newMeta)
	}
	wantBytes(t, "content after replace", e.mustRead(remote.GetRequest{Key: "f", Length: -1}), []byte("body"))

	_, err = e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "f", DstBucket: e.bucket, DstKey: "f"})
	wantErr(t, "Copy onto itself changing nothing", err, remote.ErrInvalidArgument)
}

func testCopyPreconditions(t *testing.T, e *env) {
	v1 := e.put("s", []byte("v1"), nil)
	e.put("s", []byte("v2"), nil)
	_, err := e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "s", SrcETag: v1.ETag,
		DstBucket: e.bucket, DstKey: "d"})
	wantErr(t, "Copy pinned to an overwritten ETag", err, remote.ErrPreconditionFailed)
	_, err = e.c.Head(e.ctx, e.bucket, "d")
	wantErr(t, "Head of the failed copy's destination", err, remote.ErrNotFound)

	v2 := e.head("s")
	if _, err := e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "s", SrcETag: v2.ETag,
		DstBucket: e.bucket, DstKey: "d"}); err != nil {
		t.Fatalf("Copy pinned to the current ETag: %v", err)
	}
	_, err = e.c.Copy(e.ctx, remote.CopyRequest{SrcBucket: e.bucket, SrcKey: "nope", DstBucket: e.bucket, DstKey: "d2"})
	wantErr(t, "Copy of a missing source", err, remote.ErrNotFound)
}

func testCanceledContext(t *testing.T, e *env) {
	e.put("c", []byte("x"), nil)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	_, err := e.c.Head(ctx, e.bucket, "c")
	if !errors.Is(err, context.Canceled) || remote.IsRetryable(err) {
		t.Fatalf("Head with a canceled context: %v, want context.Canceled, not retryable", err)
	}
	_, err = e.c.Get(ctx, remote.GetRequest{Bucket: e.bucket, Key: "c", Length: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a canceled context: %v, want context.Canceled", err)
	}
	_, err = e.c.Put(ctx, remote.PutRequest{Bucket: e.bucket, Key: "c2", Body: bytes.NewReader(nil)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a canceled context: %v, want context.Canceled", err)
	}
}
