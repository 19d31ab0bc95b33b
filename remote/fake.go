package remote

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Fake is an in-memory Client that honours every contract of client.go,
// for unit tests of the packages above remote. ETags are quoted MD5 hex
// ("-N" suffixed for multipart objects), conditional requests, ranges,
// delimiter listings with pagination, buckets and multipart uploads behave
// as S3 does. Faults, delays and lost answers can be injected per
// operation (fake_faults.go). Safe for concurrent use.
type Fake struct {
	faults faults // injected failures and hooks; its own lock

	mu      sync.Mutex             // guards the fields below
	now     func() time.Time       // clock for LastModified and Started
	buckets map[string]*fakeBucket // by name
	nextID  int64                  // sequence for upload ids
	// ignoreSums: new uploads ignore their PartChecksum (IgnoreChecksums).
	ignoreSums bool
}

// fakeBucket is one bucket. Objects are immutable once stored: a write
// replaces the *fakeObject, so readers may keep the old one.
type fakeBucket struct {
	created time.Time
	objects map[string]*fakeObject // current versions, delete markers never
	keys    []string               // sorted keys of objects
	uploads map[string]*fakeUpload
	// versioning, versions, vkeys and vseq: see fake_versions.go.
	versioning Versioning
	versions   map[string][]*fakeObject // every version by key, newest first
	vkeys      []string                 // sorted keys of versions
	vseq       int64                    // sequence for version ids
}

type fakeObject struct {
	data     []byte
	etag     string
	modified time.Time
	metadata map[string]string
	// versionID is set when stored (NullVersion unless versioning is
	// enabled); deleteMarker objects live in versions only.
	versionID    string
	deleteMarker bool
}

var _ Client = (*Fake)(nil)

// NewFake returns an empty Fake using the wall clock.
func NewFake() *Fake {
	return &Fake{now: time.Now, buckets: make(map[string]*fakeBucket)}
}

// SetClock replaces the clock that stamps LastModified and upload starts.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// begin runs at the top of every call: the caller's context, then any
// injected fault or hook for op.
func (f *Fake) begin(ctx context.Context, op, bucket, key string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: err}
	}
	if err := f.faults.check(ctx, op); err != nil {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: err, Message: "injected fault"}
	}
	return nil
}

// fail builds the error for a failed call on the fake.
func fail(op, bucket, key string, kind error, code string) error {
	return &Error{Op: op, Bucket: bucket, Key: key, Kind: kind, Code: code}
}

// bucket returns the named bucket; f.mu must be held.
func (f *Fake) bucket(op, name, key string) (*fakeBucket, error) {
	b, ok := f.buckets[name]
	if !ok {
		return nil, fail(op, name, key, ErrNotFound, "NoSuchBucket")
	}
	return b, nil
}

// object returns the object at key; f.mu must be held.
func (f *Fake) object(op, bucket, key string) (*fakeObject, error) {
	b, err := f.bucket(op, bucket, key)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, fail(op, bucket, key, ErrNotFound, "NoSuchKey")
	}
	return o, nil
}

// store puts o at key, keeping b.keys sorted; f.mu must be held.
func (b *fakeBucket) store(key string, o *fakeObject) {
	b.record(key, o)
	if _, ok := b.objects[key]; !ok {
		i, _ := slices.BinarySearch(b.keys, key)
		b.keys = slices.Insert(b.keys, i, key)
	}
	b.objects[key] = o
}

// remove deletes key: on a versioned bucket a delete marker, stamped
// now, becomes its newest version (even when key holds nothing, as in
// S3); f.mu must be held.
func (b *fakeBucket) remove(key string, now time.Time) {
	if b.versioning == VersioningOff {
		b.dropVersion(key, NullVersion)
	} else {
		b.record(key, &fakeObject{deleteMarker: true, modified: now})
	}
	if _, ok := b.objects[key]; !ok {
		return
	}
	delete(b.objects, key)
	i, _ := slices.BinarySearch(b.keys, key)
	b.keys = slices.Delete(b.keys, i, i+1)
}

func (o *fakeObject) info(key string) ObjectInfo {
	return ObjectInfo{Key: key, Size: int64(len(o.data)), ETag: o.etag,
		LastModified: o.modified, Metadata: maps.Clone(o.metadata), VersionID: o.versionID}
}

// validKey reports whether S3 can address key (1 to 1024 bytes).
func validKey(key string) bool {
	return key != "" && len(key) <= 1024
}

// readBody reads exactly size bytes of body from its start.
func readBody(body io.ReadSeeker, size int64) ([]byte, error) {
	if body == nil || size < 0 {
		return nil, errShortBody
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Head implements Client.
func (f *Fake) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := f.begin(ctx, OpHead, bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.object(OpHead, bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	info := o.info(key)
	if f.buckets[bucket].versioning == VersioningOff {
		info.VersionID = "" // S3 sends no version id then
	}
	return info, nil
}

// Get implements Client.
func (f *Fake) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	if err := f.begin(ctx, OpGet, req.Bucket, req.Key); err != nil {
		return nil, err
	}
	if req.Offset < 0 {
		return nil, fail(OpGet, req.Bucket, req.Key, ErrInvalidArgument, "InvalidArgument")
	}
	f.mu.Lock()
	o, err := f.getObject(req)
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if req.IfMatch != "" && !sameETag(req.IfMatch, o.etag) {
		return nil, fail(OpGet, req.Bucket, req.Key, ErrPreconditionFailed, "PreconditionFailed")
	}
	size := int64(len(o.data))
	if !rangeStartOK(req.Offset, size) {
		return nil, fail(OpGet, req.Bucket, req.Key, ErrInvalidRange, "InvalidRange")
	}
	end := size
	if req.Length >= 0 {
		end = min(size, req.Offset+req.Length)
	}
	return io.NopCloser(bytes.NewReader(o.data[req.Offset:end])), nil
}

// Put implements Client.
func (f *Fake) Put(ctx context.Context, req PutRequest) (info ObjectInfo, err error) {
	if err := f.begin(ctx, OpPut, req.Bucket, req.Key); err != nil {
		return ObjectInfo{}, err
	}
	defer loseAnswer(f, OpPut, req.Bucket, req.Key, &info, &err)
	if !validKey(req.Key) {
		return ObjectInfo{}, fail(OpPut, req.Bucket, req.Key, ErrInvalidArgument, "KeyTooLongError")
	}
	data, err := readBody(req.Body, req.Size)
	if err != nil {
		return ObjectInfo{}, &Error{Op: OpPut, Bucket: req.Bucket, Key: req.Key, Kind: ErrInvalidArgument, Err: err}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpPut, req.Bucket, req.Key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if _, exists := b.objects[req.Key]; exists && req.IfNoneMatch {
		return ObjectInfo{}, fail(OpPut, req.Bucket, req.Key, ErrPreconditionFailed, "PreconditionFailed")
	}
	o := &fakeObject{data: data, etag: md5ETag(data), modified: f.now(), metadata: userMetadata(req.Metadata)}
	b.store(req.Key, o)
	return ObjectInfo{Key: req.Key, Size: req.Size, ETag: o.etag, Metadata: sentMetadata(req.Metadata)}, nil
}

// Copy implements Client.
func (f *Fake) Copy(ctx context.Context, req CopyRequest) (info ObjectInfo, err error) {
	if err := f.begin(ctx, OpCopy, req.DstBucket, req.DstKey); err != nil {
		return ObjectInfo{}, err
	}
	defer loseAnswer(f, OpCopy, req.DstBucket, req.DstKey, &info, &err)
	f.mu.Lock()
	defer f.mu.Unlock()
	src, err := f.object(OpCopy, req.SrcBucket, req.SrcKey)
	if err != nil {
		return ObjectInfo{}, err
	}
	dst, err := f.bucket(OpCopy, req.DstBucket, req.DstKey)
	if err != nil {
		return ObjectInfo{}, err
	}
	switch {
	case req.SrcETag != "" && !sameETag(req.SrcETag, src.etag):
		return ObjectInfo{}, fail(OpCopy, req.DstBucket, req.DstKey, ErrPreconditionFailed, "PreconditionFailed")
	case !validKey(req.DstKey):
		return ObjectInfo{}, fail(OpCopy, req.DstBucket, req.DstKey, ErrInvalidArgument, "KeyTooLongError")
	case req.SrcBucket == req.DstBucket && req.SrcKey == req.DstKey && !req.ReplaceMetadata:
		// S3: copying an object onto itself must change something.
		return ObjectInfo{}, fail(OpCopy, req.DstBucket, req.DstKey, ErrInvalidArgument, "InvalidRequest")
	}
	o := &fakeObject{data: src.data, etag: md5ETag(src.data), modified: f.now(), metadata: src.metadata}
	info = ObjectInfo{Key: req.DstKey, Size: -1, ETag: o.etag, LastModified: o.modified}
	if req.ReplaceMetadata {
		o.metadata = userMetadata(req.Metadata)
		info.Metadata = userMetadata(req.Metadata)
	}
	dst.store(req.DstKey, o)
	return info, nil
}

// Delete implements Client.
func (f *Fake) Delete(ctx context.Context, bucket, key string) (err error) {
	if err := f.begin(ctx, OpDelete, bucket, key); err != nil {
		return err
	}
	defer loseAnswerErr(f, OpDelete, bucket, key, &err)
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpDelete, bucket, key)
	if err != nil {
		return err
	}
	b.remove(key, f.now())
	return nil
}
