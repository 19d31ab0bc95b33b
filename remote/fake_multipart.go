package remote

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// fakeUpload is one incomplete multipart upload.
type fakeUpload struct {
	key      string
	started  time.Time
	metadata map[string]string
	checksum PartChecksum
	ignores  bool // created by a Fake that ignores flexible checksums
	parts    map[int32]fakePart
}

type fakePart struct {
	data []byte
	etag string
	crc  string // base64 CRC32C, in PartsCRC32C uploads
}

// CreateMultipart implements Multipart.
func (f *Fake) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (id string, err error) {
	if err := f.begin(ctx, OpCreateMultipart, req.Bucket, req.Key); err != nil {
		return "", err
	}
	defer loseAnswer(f, OpCreateMultipart, req.Bucket, req.Key, &id, &err)
	if !validKey(req.Key) {
		return "", fail(OpCreateMultipart, req.Bucket, req.Key, ErrInvalidArgument, "KeyTooLongError")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpCreateMultipart, req.Bucket, req.Key)
	if err != nil {
		return "", err
	}
	f.nextID++
	id = fmt.Sprintf("fake-upload-%d", f.nextID)
	b.uploads[id] = &fakeUpload{key: req.Key, started: f.now(), metadata: userMetadata(req.Metadata),
		checksum: req.Checksum, ignores: f.ignoreSums, parts: make(map[int32]fakePart)}
	return id, nil
}

// upload returns the upload id of key; f.mu must be held.
func (f *Fake) upload(op, bucket, key, id string) (*fakeBucket, *fakeUpload, error) {
	b, err := f.bucket(op, bucket, key)
	if err != nil {
		return nil, nil, err
	}
	u, ok := b.uploads[id]
	if !ok || u.key != key {
		return nil, nil, fail(op, bucket, key, ErrNotFound, "NoSuchUpload")
	}
	return b, u, nil
}

func validPartNumber(n int32) bool { return n >= 1 && n <= MaxParts }

// crc32c reports whether the upload's parts carry a verified CRC32C.
func (u *fakeUpload) crc32c() bool { return u.checksum == PartsCRC32C && !u.ignores }

// IgnoreChecksums makes the Fake play a server without flexible checksums
// (Ceph RGW before Squid): uploads created from now on ignore their
// declared PartChecksum, so parts of either kind are taken, none returns
// a ChecksumCRC32C, and UploadPartCopy is allowed. The S3 client's switch
// to Content-MD5 on such a server (s3_sums.go) is tested over HTTP; this
// lets the layers above check they work against one.
func (f *Fake) IgnoreChecksums() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ignoreSums = true
}

// newPart stores data as part n of u, with its CRC32C when u declares it.
func (u *fakeUpload) newPart(n int32, data []byte) Part {
	p := fakePart{data: data, etag: md5ETag(data)}
	if u.crc32c() {
		p.crc = crc32cOf(data)
	}
	u.parts[n] = p
	return Part{Number: n, ETag: p.etag, ChecksumCRC32C: p.crc}
}

// UploadPart implements Multipart.
func (f *Fake) UploadPart(ctx context.Context, req UploadPartRequest) (part Part, err error) {
	if err := f.begin(ctx, OpUploadPart, req.Bucket, req.Key); err != nil {
		return Part{}, err
	}
	defer loseAnswer(f, OpUploadPart, req.Bucket, req.Key, &part, &err)
	if !validPartNumber(req.Number) {
		return Part{}, fail(OpUploadPart, req.Bucket, req.Key, ErrInvalidArgument, "InvalidArgument")
	}
	data, err := readBody(req.Body, req.Size)
	if err != nil {
		return Part{}, &Error{Op: OpUploadPart, Bucket: req.Bucket, Key: req.Key, Kind: ErrInvalidArgument, Err: err}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.upload(OpUploadPart, req.Bucket, req.Key, req.UploadID)
	if err != nil {
		return Part{}, err
	}
	if !u.ignores && req.Checksum != u.checksum {
		// S3: "Checksum Type mismatch"; MinIO: "checksum missing".
		return Part{}, fail(OpUploadPart, req.Bucket, req.Key, ErrInvalidArgument, "InvalidRequest")
	}
	return u.newPart(req.Number, data), nil
}

// UploadPartCopy implements Multipart. Length < 0 with Offset 0 copies the
// whole source; a range outside the source is ErrInvalidArgument, as S3
// reports it, and so is a copy into a PartsCRC32C upload, as MinIO does.
func (f *Fake) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (part Part, err error) {
	if err := f.begin(ctx, OpUploadPartCopy, req.Bucket, req.Key); err != nil {
		return Part{}, err
	}
	defer loseAnswer(f, OpUploadPartCopy, req.Bucket, req.Key, &part, &err)
	if !validPartNumber(req.Number) {
		return Part{}, fail(OpUploadPartCopy, req.Bucket, req.Key, ErrInvalidArgument, "InvalidArgument")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	src, err := f.object(OpUploadPartCopy, req.SrcBucket, req.SrcKey)
	if err != nil {
		return Part{}, err
	}
	_, u, err := f.upload(OpUploadPartCopy, req.Bucket, req.Key, req.UploadID)
	if err != nil {
		return Part{}, err
	}
	if req.SrcETag != "" && !sameETag(req.SrcETag, src.etag) {
		return Part{}, fail(OpUploadPartCopy, req.Bucket, req.Key, ErrPreconditionFailed, "PreconditionFailed")
	}
	data, ok := copyRange(src.data, req.Offset, req.Length)
	if !ok || u.crc32c() { // MinIO cannot checksum a copied part
		return Part{}, fail(OpUploadPartCopy, req.Bucket, req.Key, ErrInvalidArgument, "InvalidArgument")
	}
	return u.newPart(req.Number, data), nil
}

// copyRange returns data[offset:offset+length], or all of data for
// offset 0 and length < 0; false when the range does not fit.
func copyRange(data []byte, offset, length int64) ([]byte, bool) {
	size := int64(len(data))
	switch {
	case length < 0 && offset == 0:
		return data, true
	case offset < 0 || length <= 0 || offset+length > size:
		return nil, false
	}
	return data[offset : offset+length], true
}

// CompleteMultipart implements Multipart. On failure the upload stays, so
// that it can still be completed or aborted.
func (f *Fake) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (info ObjectInfo, err error) {
	if err := f.begin(ctx, OpCompleteMultipart, req.Bucket, req.Key); err != nil {
		return ObjectInfo{}, err
	}
	defer loseAnswer(f, OpCompleteMultipart, req.Bucket, req.Key, &info, &err)
	f.mu.Lock()
	defer f.mu.Unlock()
	b, u, err := f.upload(OpCompleteMultipart, req.Bucket, req.Key, req.UploadID)
	if err != nil {
		return ObjectInfo{}, err
	}
	if _, exists := b.objects[req.Key]; exists && req.IfNoneMatch {
		return ObjectInfo{}, fail(OpCompleteMultipart, req.Bucket, req.Key, ErrPreconditionFailed, "PreconditionFailed")
	}
	o, code := u.assemble(req.Parts)
	if code != "" {
		return ObjectInfo{}, fail(OpCompleteMultipart, req.Bucket, req.Key, ErrInvalidArgument, code)
	}
	o.modified = f.now()
	b.store(req.Key, o)
	delete(b.uploads, req.UploadID)
	return ObjectInfo{Key: req.Key, Size: -1, ETag: o.etag}, nil
}

// assemble builds the object from the listed parts, or returns the S3
// error code that rejects the list.
func (u *fakeUpload) assemble(list []Part) (*fakeObject, string) {
	if len(list) == 0 {
		return nil, "MalformedXML"
	}
	parts := slices.SortedFunc(slices.Values(list), func(a, b Part) int { return cmp.Compare(a.Number, b.Number) })
	var data []byte
	for i, p := range parts {
		stored, ok := u.parts[p.Number]
		switch {
		case i > 0 && parts[i-1].Number == p.Number:
			return nil, "InvalidPartOrder"
		case !ok || !sameETag(p.ETag, stored.etag) || p.ChecksumCRC32C != stored.crc:
			return nil, "InvalidPart"
		case i < len(parts)-1 && len(stored.data) < MinPartSize:
			return nil, "EntityTooSmall"
		}
		data = append(data, stored.data...)
	}
	etag, _ := multipartETag(parts) // the Fake's part ETags are MD5s
	return &fakeObject{data: data, etag: etag, metadata: maps.Clone(u.metadata)}, ""
}

// AbortMultipart implements Multipart.
func (f *Fake) AbortMultipart(ctx context.Context, bucket, key, uploadID string) (err error) {
	if err := f.begin(ctx, OpAbortMultipart, bucket, key); err != nil {
		return err
	}
	defer loseAnswerErr(f, OpAbortMultipart, bucket, key, &err)
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _, err := f.upload(OpAbortMultipart, bucket, key, uploadID)
	if err != nil {
		return err
	}
	delete(b.uploads, uploadID)
	return nil
}

// ListMultipartUploads implements Multipart: sorted by key, then by start.
func (f *Fake) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	if err := f.begin(ctx, OpListMultipartUploads, bucket, prefix); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpListMultipartUploads, bucket, prefix)
	if err != nil {
		return nil, err
	}
	var out []Upload
	for id, u := range b.uploads {
		if strings.HasPrefix(u.key, prefix) {
			out = append(out, Upload{Key: u.key, UploadID: id, Started: u.started})
		}
	}
	slices.SortFunc(out, func(a, b Upload) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), a.Started.Compare(b.Started), strings.Compare(a.UploadID, b.UploadID))
	})
	return out, nil
}
