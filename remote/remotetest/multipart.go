package remotetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/objfs/objfs/remote"
)

var multipartTests = map[string]func(*testing.T, *env){
	"RoundTrip":   testMultipartRoundTrip,
	"CopyPart":    testMultipartCopyPart,
	"Abort":       testMultipartAbort,
	"List":        testMultipartList,
	"TooSmall":    testMultipartTooSmall,
	"IfNoneMatch": testMultipartIfNoneMatch,
	"CRC32C":      testMultipartCRC32C,
}

func (e *env) create(key string, meta map[string]string) string {
	e.t.Helper()
	id, err := e.c.CreateMultipart(e.ctx, remote.CreateMultipartRequest{Bucket: e.bucket, Key: key, Metadata: meta})
	if err != nil || id == "" {
		e.t.Fatalf("CreateMultipart %q: id %q, %v", key, id, err)
	}
	return id
}

func (e *env) uploadPart(key, id string, n int32, data []byte) remote.Part {
	e.t.Helper()
	p, err := e.c.UploadPart(e.ctx, remote.UploadPartRequest{Bucket: e.bucket, Key: key, UploadID: id,
		Number: n, Body: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		e.t.Fatalf("UploadPart %d of %q: %v", n, key, err)
	}
	if p.Number != n || p.ETag != md5ETag(data) {
		e.t.Fatalf("UploadPart returned %+v, want number %d ETag %s", p, n, md5ETag(data))
	}
	return p
}

func (e *env) complete(key, id string, parts []remote.Part) remote.ObjectInfo {
	e.t.Helper()
	info, err := e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: key,
		UploadID: id, Parts: parts})
	if err != nil {
		e.t.Fatalf("CompleteMultipart %q: %v", key, err)
	}
	return info
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the parts'
// binary MD5s, then "-" and the number of parts.
func multipartETag(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	whole := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(whole[:]), len(parts))
}

func testMultipartRoundTrip(t *testing.T, e *env) {
	meta := map[string]string{"mtime": "1700000000"}
	id := e.create("big", meta)
	p1, p2 := pattern(remote.MinPartSize, 6), pattern(1000, 7)
	parts := []remote.Part{e.uploadPart("big", id, 2, p2), e.uploadPart("big", id, 1, p1)} // out of order
	info := e.complete("big", id, parts)
	if info.Key != "big" || info.ETag != multipartETag(p1, p2) {
		t.Fatalf("CompleteMultipart = %+v, want ETag %s", info, multipartETag(p1, p2))
	}
	head := e.head("big")
	if head.Size != int64(len(p1)+len(p2)) || head.ETag != info.ETag || !maps.Equal(head.Metadata, meta) {
		t.Fatalf("Head = %+v, want size %d ETag %s metadata %v", head, len(p1)+len(p2), info.ETag, meta)
	}
	whole := append(slices.Clone(p1), p2...)
	wantBytes(t, "content", e.mustRead(remote.GetRequest{Key: "big", Length: -1, IfMatch: info.ETag}), whole)
	wantBytes(t, "range across parts", e.mustRead(remote.GetRequest{Key: "big",
		Offset: remote.MinPartSize - 10, Length: 20}), whole[remote.MinPartSize-10:remote.MinPartSize+10])
	if ups := e.uploads(""); len(ups) != 0 {
		t.Fatalf("completed upload still listed: %+v", ups)
	}
}

func testMultipartCopyPart(t *testing.T, e *env) {
	src := pattern(remote.MinPartSize+500, 8)
	srcInfo := e.put("src", src, nil)
	id := e.create("assembled", nil)
	first, err := e.c.UploadPartCopy(e.ctx, remote.UploadPartCopyRequest{Bucket: e.bucket, Key: "assembled",
		UploadID: id, Number: 1, SrcBucket: e.bucket, SrcKey: "src", SrcETag: srcInfo.ETag, Offset: 0, Length: remote.MinPartSize})
	if err != nil {
		t.Fatalf("UploadPartCopy of a range: %v", err)
	}
	second, err := e.c.UploadPartCopy(e.ctx, remote.UploadPartCopyRequest{Bucket: e.bucket, Key: "assembled",
		UploadID: id, Number: 2, SrcBucket: e.bucket, SrcKey: "src", Offset: remote.MinPartSize, Length: 500})
	if err != nil {
		t.Fatalf("UploadPartCopy of the tail: %v", err)
	}
	// Part 3 is uploaded but not listed: completion takes only the listed
	// parts (part 2, below the minimum size, may be last).
	e.uploadPart("assembled", id, 3, []byte("tail"))
	info := e.complete("assembled", id, []remote.Part{first, second})
	if want := multipartETag(src[:remote.MinPartSize], src[remote.MinPartSize:]); info.ETag != want {
		t.Errorf("ETag %s, want %s", info.ETag, want)
	}
	wantBytes(t, "assembled", e.mustRead(remote.GetRequest{Key: "assembled", Length: -1}), src)

	e.put("src", []byte("changed"), nil)
	id2 := e.create("again", nil)
	defer e.c.AbortMultipart(e.ctx, e.bucket, "again", id2)
	_, err = e.c.UploadPartCopy(e.ctx, remote.UploadPartCopyRequest{Bucket: e.bucket, Key: "again",
		UploadID: id2, Number: 1, SrcBucket: e.bucket, SrcKey: "src", SrcETag: srcInfo.ETag, Length: -1})
	wantErr(t, "UploadPartCopy pinned to an overwritten source", err, remote.ErrPreconditionFailed)
	whole, err := e.c.UploadPartCopy(e.ctx, remote.UploadPartCopyRequest{Bucket: e.bucket, Key: "again",
		UploadID: id2, Number: 1, SrcBucket: e.bucket, SrcKey: "src", Length: -1})
	if err != nil {
		t.Fatalf("UploadPartCopy of a whole object: %v", err)
	}
	e.complete("again", id2, []remote.Part{whole})
	wantBytes(t, "whole-object part", e.mustRead(remote.GetRequest{Key: "again", Length: -1}), []byte("changed"))
}

func (e *env) uploads(prefix string) []remote.Upload {
	e.t.Helper()
	ups, err := e.c.ListMultipartUploads(e.ctx, e.bucket, prefix)
	if err != nil {
		e.t.Fatalf("ListMultipartUploads %q: %v", prefix, err)
	}
	return ups
}

func testMultipartAbort(t *testing.T, e *env) {
	id := e.create("dropped", nil)
	e.uploadPart("dropped", id, 1, []byte("part"))
	if ups := e.uploads(""); len(ups) != 1 || ups[0].UploadID != id || ups[0].Key != "dropped" {
		t.Fatalf("uploads = %+v, want the one started", ups)
	}
	if err := e.c.AbortMultipart(e.ctx, e.bucket, "dropped", id); err != nil {
		t.Fatalf("AbortMultipart: %v", err)
	}
	if ups := e.uploads(""); len(ups) != 0 {
		t.Fatalf("aborted upload still listed: %+v", ups)
	}
	_, err := e.c.UploadPart(e.ctx, remote.UploadPartRequest{Bucket: e.bucket, Key: "dropped", UploadID: id,
		Number: 2, Body: bytes.NewReader([]byte("x")), Size: 1})
	wantErr(t, "UploadPart after abort", err, remote.ErrNotFound)
	_, err = e.c.Head(e.ctx, e.bucket, "dropped")
	wantErr(t, "Head of an aborted upload's key", err, remote.ErrNotFound)
}

func testMultipartList(t *testing.T, e *env) {
	keys := []string{"a/one", "a/two", "b/three", "a/with space+plus"}
	ids := map[string]string{}
	for _, k := range keys {
		ids[k] = e.create(k, nil)
	}
	ups := e.uploads("a/")
	var got []string
	for _, u := range ups {
		got = append(got, u.Key)
		if u.UploadID != ids[u.Key] || u.Started.IsZero() {
			t.Errorf("upload %+v: want id %s and a start time", u, ids[u.Key])
		}
	}
	if want := []string{"a/one", "a/two", "a/with space+plus"}; !slices.Equal(got, want) {
		t.Fatalf("uploads under a/ = %q, want %q", got, want)
	}
	if all := e.uploads(""); len(all) != len(keys) {
		t.Fatalf("%d uploads listed, want %d", len(all), len(keys))
	}
	for _, k := range keys {
		if err := e.c.AbortMultipart(e.ctx, e.bucket, k, ids[k]); err != nil {
			t.Fatalf("AbortMultipart %q: %v", k, err)
		}
	}
}

func testMultipartTooSmall(t *testing.T, e *env) {
	id := e.create("small", nil)
	defer e.c.AbortMultipart(e.ctx, e.bucket, "small", id)
	parts := []remote.Part{e.uploadPart("small", id, 1, []byte(strings.Repeat("a", 100))),
		e.uploadPart("small", id, 2, []byte("b"))}
	_, err := e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: "small",
		UploadID: id, Parts: parts})
	wantErr(t, "CompleteMultipart with a small first part", err, remote.ErrInvalidArgument)
	_, err = e.c.Head(e.ctx, e.bucket, "small")
	wantErr(t, "Head after the refused completion", err, remote.ErrNotFound)

	bad := parts[:1]
	bad[0].ETag = md5ETag([]byte("other"))
	_, err = e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: "small",
		UploadID: id, Parts: bad})
	wantErr(t, "CompleteMultipart with a wrong part ETag", err, remote.ErrInvalidArgument)
}

func testMultipartIfNoneMatch(t *testing.T, e *env) {
	e.put("taken", []byte("first"), nil)
	id := e.create("taken", nil)
	defer e.c.AbortMultipart(e.ctx, e.bucket, "taken", id)
	p := e.uploadPart("taken", id, 1, []byte("second"))
	_, err := e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: "taken",
		UploadID: id, Parts: []remote.Part{p}, IfNoneMatch: true})
	wantErr(t, "CompleteMultipart IfNoneMatch over an existing key", err, remote.ErrPreconditionFailed)
	wantBytes(t, "content kept", e.mustRead(remote.GetRequest{Key: "taken", Length: -1}), []byte("first"))

	id2 := e.create("fresh", nil)
	p2 := e.uploadPart("fresh", id2, 1, []byte("new"))
	if _, err := e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: "fresh",
		UploadID: id2, Parts: []remote.Part{p2}, IfNoneMatch: true}); err != nil {
		t.Fatalf("CompleteMultipart IfNoneMatch on a new key: %v", err)
	}
}
