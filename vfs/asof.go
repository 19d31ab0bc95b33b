package vfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// asOfClient is the client of a tree mounted as of a time (Config.AsOf):
// a read-only view of versioned buckets as they were then, under the
// whole tree, which needs no other change. For each key it shows the
// newest version whose LastModified is not after the time, and nothing
// when that version is a delete marker (or there is none):
//
//   - List answers from ListObjectVersions pages (asof_list.go), with
//     each key's version resolved and objects carrying its VersionID;
//     the tree caches these listings as any other (cache.Meta).
//   - A common prefix is a directory only if some key below it is alive
//     at the time: S3 rolls up every key with any version, deleted ones
//     too, so each new prefix is verified by a listing of versions below
//     it that stops at the first live key (one request, typically), and
//     the answer is kept (dirs).
//   - Head and Get resolve the key's version (from a listing seen before,
//     else a ListObjectVersions of the key) and send HeadObject and
//     GetObject with its versionId: reads stay pinned to that version,
//     whatever is written meanwhile.
//   - ListBuckets shows versioned buckets only (enabled or suspended), and
//     HeadBucket finds no other: an unversioned bucket has no past. A
//     bucket whose versioning state the credentials may not ask is shown.
//   - Every change fails with ErrReadOnly and sends nothing.
//
// What it learns never goes stale (the past does not change), so it is
// kept until the maps reach maxAsOfMemo entries, then forgotten at once.
type asOfClient struct {
	next remote.Client
	at   time.Time

	mu        sync.Mutex            // guards the maps; a leaf
	resolved  map[string]resolution // by bucket "\x00" key
	dirs      map[string]bool       // by bucket "\x00" prefix: anything alive below
	versioned map[string]bool       // by bucket
	// rests holds the unreturned part of versions pages, by listing and
	// continuation token (asof_list.go).
	rests map[string]remote.VersionPage
}

// resolution is a key's version at the time: alive with an id and ETag,
// or absent.
type resolution struct {
	alive     bool
	versionID string
	etag      string
}

// maxAsOfMemo bounds each of the client's maps (some 100 bytes an entry).
const maxAsOfMemo = 1 << 20

var _ remote.Client = (*asOfClient)(nil)

func newAsOfClient(next remote.Client, at time.Time) *asOfClient {
	return &asOfClient{next: next, at: at, resolved: make(map[string]resolution),
		dirs: make(map[string]bool), versioned: make(map[string]bool), rests: make(map[string]remote.VersionPage)}
}

func memoKey(bucket, key string) string { return bucket + "\x00" + key }

// remember stores v under k in m, forgetting everything when m is full;
// a.mu must not be held.
func remember[V any](a *asOfClient, m map[string]V, k string, v V) {
	a.mu.Lock()
	if len(m) >= maxAsOfMemo {
		clear(m)
	}
	m[k] = v
	a.mu.Unlock()
}

func recall[V any](a *asOfClient, m map[string]V, k string) (V, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := m[k]
	return v, ok
}

// notAfter reports whether version v existed at the time.
func (a *asOfClient) notAfter(v remote.ObjectVersion) bool { return !v.LastModified.After(a.at) }

// resolve returns key's version at the time: remembered from a listing,
// or found by listing the versions of the key (they come first among
// the keys it prefixes, newest first).
func (a *asOfClient) resolve(ctx context.Context, bucket, key string) (resolution, error) {
	if r, ok := recall(a, a.resolved, memoKey(bucket, key)); ok {
		return r, nil
	}
	r, err := a.findVersion(ctx, bucket, key)
	if err != nil {
		return resolution{}, err
	}
	remember(a, a.resolved, memoKey(bucket, key), r)
	return r, nil
}

// findVersion lists the versions of key until the one at the time. A
// page's markers are only passed back, never read as a key: MinIO's are
// not keys ("KEY[minio_cache:…]").
func (a *asOfClient) findVersion(ctx context.Context, bucket, key string) (resolution, error) {
	req := remote.ListVersionsRequest{Bucket: bucket, Prefix: key, MaxKeys: listPageSize}
	for {
		page, err := a.next.ListVersions(ctx, req)
		if err != nil {
			return resolution{}, fmt.Errorf("list versions of s3://%s/%s: %w", bucket, key, err)
		}
		for _, v := range page.Versions {
			if v.Key != key {
				return resolution{}, nil
			}
			if a.notAfter(v) {
				return resolution{alive: !v.DeleteMarker, versionID: v.VersionID, etag: v.ETag}, nil
			}
		}
		if page.NextKeyMarker == "" {
			return resolution{}, nil
		}
		// Every entry was key's (or a connector left none): more may follow.
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
}

// notThen is the error for a key with no version at the time.
func (a *asOfClient) notThen(op, bucket, key string) error {
	return &remote.Error{Op: op, Bucket: bucket, Key: key, Kind: remote.ErrNotFound,
		Message: "no version as of " + a.at.UTC().Format(time.RFC3339Nano)}
}

// Head returns the attributes of key's version at the time.
func (a *asOfClient) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	r, err := a.resolve(ctx, bucket, key)
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	if !r.alive {
		return remote.ObjectInfo{}, a.notThen(remote.OpHead, bucket, key)
	}
	return a.next.HeadVersion(ctx, bucket, key, r.versionID)
}

// Get reads key's version at the time (GetObject?versionId=).
func (a *asOfClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	if req.VersionID == "" {
		r, err := a.resolve(ctx, req.Bucket, req.Key)
		if err != nil {
			return nil, err
		}
		if !r.alive {
			return nil, a.notThen(remote.OpGet, req.Bucket, req.Key)
		}
		req.VersionID = r.versionID
	}
	return a.next.Get(ctx, req)
}

// isVersioned reports whether bucket has versions to show (versioning
// enabled or suspended), asking once per bucket. Credentials that may not
// ask (GetBucketVersioning denied) count as versioned, as in
// CheckVersioned: the listings will tell.
func (a *asOfClient) isVersioned(ctx context.Context, bucket string) (bool, error) {
	if v, ok := recall(a, a.versioned, bucket); ok {
		return v, nil
	}
	state, err := a.next.BucketVersioning(ctx, bucket)
	if err != nil && !errors.Is(err, remote.ErrAccessDenied) {
		return false, err
	}
	v := err != nil || state != remote.VersioningOff
	remember(a, a.versioned, bucket, v)
	return v, nil
}

// ListBuckets lists the versioned buckets.
func (a *asOfClient) ListBuckets(ctx context.Context) ([]remote.BucketInfo, error) {
	all, err := a.next.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, b := range all {
		v, err := a.isVersioned(ctx, b.Name)
		if err != nil {
			return nil, err
		}
		if v {
			out = append(out, b)
		}
	}
	return out, nil
}

// HeadBucket finds versioned buckets only.
func (a *asOfClient) HeadBucket(ctx context.Context, bucket string) error {
	if err := a.next.HeadBucket(ctx, bucket); err != nil {
		return err
	}
	v, err := a.isVersioned(ctx, bucket)
	if err != nil {
		return err
	}
	if !v {
		return &remote.Error{Op: remote.OpHeadBucket, Bucket: bucket, Kind: remote.ErrNotFound,
			Message: "not versioned: no past to show"}
	}
	return nil
}

// The versions half passes through.

func (a *asOfClient) ListVersions(ctx context.Context, req remote.ListVersionsRequest) (remote.VersionPage, error) {
	return a.next.ListVersions(ctx, req)
}

func (a *asOfClient) HeadVersion(ctx context.Context, bucket, key, versionID string) (remote.ObjectInfo, error) {
	return a.next.HeadVersion(ctx, bucket, key, versionID)
}

func (a *asOfClient) BucketVersioning(ctx context.Context, bucket string) (remote.Versioning, error) {
	return a.next.BucketVersioning(ctx, bucket)
}

// Changes: refused, nothing sent.

func (a *asOfClient) readOnly(op, bucket, key string) error {
	return &remote.Error{Op: op, Bucket: bucket, Key: key, Kind: remote.ErrReadOnly,
		Message: "a view as of " + a.at.UTC().Format(time.RFC3339Nano) + " is read-only"}
}

func (a *asOfClient) Put(_ context.Context, req remote.PutRequest) (remote.ObjectInfo, error) {
	return remote.ObjectInfo{}, a.readOnly(remote.OpPut, req.Bucket, req.Key)
}

func (a *asOfClient) Copy(_ context.Context, req remote.CopyRequest) (remote.ObjectInfo, error) {
	return remote.ObjectInfo{}, a.readOnly(remote.OpCopy, req.DstBucket, req.DstKey)
}

func (a *asOfClient) Delete(_ context.Context, bucket, key string) error {
	return a.readOnly(remote.OpDelete, bucket, key)
}

func (a *asOfClient) CreateBucket(_ context.Context, bucket string) error {
	return a.readOnly(remote.OpCreateBucket, bucket, "")
}

func (a *asOfClient) DeleteBucket(_ context.Context, bucket string) error {
	return a.readOnly(remote.OpDeleteBucket, bucket, "")
}

func (a *asOfClient) CreateMultipart(_ context.Context, req remote.CreateMultipartRequest) (string, error) {
	return "", a.readOnly(remote.OpCreateMultipart, req.Bucket, req.Key)
}

func (a *asOfClient) UploadPart(_ context.Context, req remote.UploadPartRequest) (remote.Part, error) {
	return remote.Part{}, a.readOnly(remote.OpUploadPart, req.Bucket, req.Key)
}

func (a *asOfClient) UploadPartCopy(_ context.Context, req remote.UploadPartCopyRequest) (remote.Part, error) {
	return remote.Part{}, a.readOnly(remote.OpUploadPartCopy, req.Bucket, req.Key)
}

func (a *asOfClient) CompleteMultipart(_ context.Context, req remote.CompleteMultipartRequest) (remote.ObjectInfo, error) {
	return remote.ObjectInfo{}, a.readOnly(remote.OpCompleteMultipart, req.Bucket, req.Key)
}

func (a *asOfClient) AbortMultipart(_ context.Context, bucket, key, _ string) error {
	return a.readOnly(remote.OpAbortMultipart, bucket, key)
}

// ListMultipartUploads: a view of the past has no uploads in progress.
func (a *asOfClient) ListMultipartUploads(context.Context, string, string) ([]remote.Upload, error) {
	return nil, nil
}

// ErrNotVersioned is CheckVersioned's error for a bucket that was never
// versioned.
var ErrNotVersioned = errors.New("not versioned")

// CheckVersioned is the mount-time check of a view as of a time: bucket
// must have (or have had) versioning. A bucket that never had it fails
// with ErrNotVersioned, in one line that says so; one whose versioning
// is suspended shows the versions it has. Credentials that may not ask
// (GetBucketVersioning denied) pass: the listings will tell.
func CheckVersioned(ctx context.Context, c remote.Client, bucket string) error {
	state, err := c.BucketVersioning(ctx, bucket)
	switch {
	case errors.Is(err, remote.ErrAccessDenied):
		return nil
	case err != nil:
		return fmt.Errorf("bucket %s: cannot read its versioning state: %w", bucket, err)
	case state == remote.VersioningOff:
		return fmt.Errorf("bucket %s is %w: --as-of needs a bucket with versioning enabled (or suspended)", bucket, ErrNotVersioned)
	}
	return nil
}
