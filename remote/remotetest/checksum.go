package remotetest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/objfs/objfs/remote"
)

// crc32c is data's CRC32C as S3 writes it: base64 of the big-endian value.
func crc32c(data []byte) string {
	sum := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum))
}

func (e *env) uploadCRC32C(key, id string, n int32, data []byte) remote.Part {
	e.t.Helper()
	p, err := e.c.UploadPart(e.ctx, remote.UploadPartRequest{Bucket: e.bucket, Key: key, UploadID: id,
		Number: n, Body: bytes.NewReader(data), Size: int64(len(data)), Checksum: remote.PartsCRC32C})
	if err != nil {
		e.t.Fatalf("UploadPart %d of %q with CRC32C: %v", n, key, err)
	}
	if p.Number != n || p.ETag != md5ETag(data) || p.ChecksumCRC32C != crc32c(data) {
		e.t.Fatalf("UploadPart returned %+v, want number %d ETag %s CRC32C %s", p, n, md5ETag(data), crc32c(data))
	}
	return p
}

// testMultipartCRC32C: a PartsCRC32C upload returns each part's CRC32C and
// completes with them echoed; it refuses a part sent with Content-MD5, a
// copied part, and a completion whose checksum is wrong.
func testMultipartCRC32C(t *testing.T, e *env) {
	e.put("src", []byte("source"), nil)
	id, err := e.c.CreateMultipart(e.ctx, remote.CreateMultipartRequest{Bucket: e.bucket, Key: "crc", Checksum: remote.PartsCRC32C})
	if err != nil {
		t.Fatalf("CreateMultipart with CRC32C: %v", err)
	}
	p1, p2 := pattern(remote.MinPartSize, 3), pattern(777, 4)
	parts := []remote.Part{e.uploadCRC32C("crc", id, 1, p1), e.uploadCRC32C("crc", id, 2, p2)}

	_, err = e.c.UploadPart(e.ctx, remote.UploadPartRequest{Bucket: e.bucket, Key: "crc", UploadID: id,
		Number: 3, Body: bytes.NewReader(p2), Size: int64(len(p2)), Checksum: remote.PartsMD5})
	wantErr(t, "UploadPart with Content-MD5 into a CRC32C upload", err, remote.ErrInvalidArgument)
	_, err = e.c.UploadPartCopy(e.ctx, remote.UploadPartCopyRequest{Bucket: e.bucket, Key: "crc", UploadID: id,
		Number: 3, SrcBucket: e.bucket, SrcKey: "src", Length: -1})
	wantErr(t, "UploadPartCopy into a CRC32C upload", err, remote.ErrInvalidArgument)
	bad := slices.Clone(parts)
	bad[1].ChecksumCRC32C = crc32c([]byte("other"))
	_, err = e.c.CompleteMultipart(e.ctx, remote.CompleteMultipartRequest{Bucket: e.bucket, Key: "crc", UploadID: id, Parts: bad})
	wantErr(t, "CompleteMultipart with a wrong part CRC32C", err, remote.ErrInvalidArgument)

	info := e.complete("crc", id, parts)
	if want := multipartETag(p1, p2); info.ETag != want {
		t.Errorf("ETag %s, want %s", info.ETag, want)
	}
	wantBytes(t, "content", e.mustRead(remote.GetRequest{Key: "crc", Length: -1}), append(slices.Clone(p1), p2...))
}
