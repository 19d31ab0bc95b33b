package vfs

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// The version browser (Config.VersionsDir): a read-only directory NAME
// (".versions") at the root of each bucket the tree shows (the mount's
// prefix, for a prefix mount), that readdir never lists but a lookup
// finds, as ZFS's .zfs with snapdir=hidden. Below it the directories of
// the bucket as ListObjectVersions sees them (so the directories of
// deleted keys too), and for every version of every key K a file
// K@<LastModified, ISO 8601 basic, UTC, milliseconds>-<version id>:
// sorting by name is chronological per key. Delete markers are not
// shown (they have no bytes).
//
// browseClient is the client decorator under the tree that makes it: the
// keys of the browser are virtual (ROOT + NAME + "/" + rest) and map to
// versions of ROOT + rest:
//
//   - List under the browser lists versions (one ListObjectVersions page
//     per page), naming each version as above;
//   - Head and Get of a version's name send HeadObject and GetObject with
//     its versionId;
//   - every change under it fails with ErrReadOnly, sending nothing (and
//     FS.mayChange refuses first, so the kernel gets EROFS at once).
//
// A real key NAME (or NAME/...) at that root wins: the browser is off for
// that bucket, and a warning is logged once. In a tree as of a time
// (Config.AsOf) the browser shows the versions up to that time only.
// Connectors: the calls go through remote.Restrict with the real keys,
// so only versions of keys the connector lets be read appear.
//
// browseClient.mu guards shadowed; a leaf.
type browseClient struct {
	next  remote.Client
	name  string    // the browser's directory name
	root  string    // the key prefix of each bucket's root in the tree
	until time.Time // zero, or the time of an as-of tree
	warn  *warnOnce

	mu       sync.Mutex
	shadowed map[string]bool // by bucket: whether a real key holds the name
}

var _ remote.Client = (*browseClient)(nil)

// versionStampLayout is the time in a version's name.
const versionStampLayout = "20060102T150405.000Z"

func newBrowseClient(next remote.Client, name, root string, until time.Time, warn *warnOnce) *browseClient {
	return &browseClient{next: next, name: name, root: root, until: until, warn: warn, shadowed: make(map[string]bool)}
}

// vroot is the prefix of every key of the browser.
func (b *browseClient) vroot() string { return b.root + b.name + "/" }

// under reports whether key lies in the browser (or is its directory).
func (b *browseClient) under(key string) bool {
	return strings.HasPrefix(key, b.vroot()) || key == b.root+b.name
}

// realPrefix maps a key of the browser to the real key it lists.
func (b *browseClient) realPrefix(key string) string {
	return b.root + strings.TrimPrefix(key, b.vroot())
}

// versionName is the name of version vid, made at t, of a key whose
// last segment is base.
func versionName(base string, t time.Time, vid string) string {
	return base + "@" + t.UTC().Format(versionStampLayout) + "-" + vid
}

// parseVersionName splits a version's name; ok is false for any other.
func parseVersionName(name string) (base string, t time.Time, vid string, ok bool) {
	i := strings.LastIndexByte(name, '@')
	if i <= 0 {
		return "", time.Time{}, "", false
	}
	rest := name[i+1:]
	n := len(versionStampLayout)
	if len(rest) < n+2 || rest[n] != '-' {
		return "", time.Time{}, "", false
	}
	t, err := time.Parse(versionStampLayout, rest[:n])
	if err != nil {
		return "", time.Time{}, "", false
	}
	return name[:i], t, rest[n+1:], true
}

// active reports whether the browser is on in bucket: no real key is
// NAME or starts with NAME/ at the root (asked once per bucket; a key
// created there later is found by the next mount).
func (b *browseClient) active(ctx context.Context, bucket string) (bool, error) {
	b.mu.Lock()
	sh, known := b.shadowed[bucket]
	b.mu.Unlock()
	if known {
		return !sh, nil
	}
	sh = false
	_, err := b.next.Head(ctx, bucket, b.root+b.name)
	switch {
	case err == nil:
		sh = true
	case !errors.Is(err, remote.ErrNotFound):
		return false, err
	}
	if !sh {
		page, err := b.next.List(ctx, remote.ListRequest{Bucket: bucket, Prefix: b.vroot(), Delimiter: "/", MaxKeys: 1})
		if err != nil {
			return false, err
		}
		sh = len(page.Objects) > 0 || len(page.Prefixes) > 0
	}
	if sh {
		b.warn.warn(bucket, b.root+b.name, "a real key holds the version browser's name: it wins, and the browser is off in this bucket (see --versions-dir)")
	}
	b.mu.Lock()
	b.shadowed[bucket] = sh
	b.mu.Unlock()
	return !sh, nil
}

// inBrowser reports whether key of bucket is a key of an active browser.
func (b *browseClient) inBrowser(ctx context.Context, bucket, key string) (bool, error) {
	if bucket == "" || !b.under(key) {
		return false, nil
	}
	return b.active(ctx, bucket)
}

// knownInBrowser is inBrowser without a request: a bucket not asked about
// yet counts as active (used by the checks that refuse changes, which
// must not send anything).
func (b *browseClient) knownInBrowser(bucket, key string) bool {
	if bucket == "" || !b.under(key) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.shadowed[bucket]
}

// notFound is the error for a name of the browser that is no version.
func notFound(op, bucket, key, why string) error {
	return &remote.Error{Op: op, Bucket: bucket, Key: key, Kind: remote.ErrNotFound, Message: why}
}

// version resolves a file of the browser to its real key and version.
func (b *browseClient) version(op, bucket, key string) (real string, t time.Time, vid string, err error) {
	base, t, vid, ok := parseVersionName(b.realPrefix(key))
	if !ok || strings.HasSuffix(base, "/") {
		return "", time.Time{}, "", notFound(op, bucket, key, "not a version's name in the version browser")
	}
	if !b.until.IsZero() && t.After(b.until) {
		return "", time.Time{}, "", notFound(op, bucket, key, "a version after the view's time")
	}
	return base, t, vid, nil
}

// Head answers for a version's file: HeadObject with its versionId.
func (b *browseClient) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	in, err := b.inBrowser(ctx, bucket, key)
	if err != nil || !in {
		if err != nil {
			return remote.ObjectInfo{}, err
		}
		return b.next.Head(ctx, bucket, key)
	}
	real, t, vid, err := b.version(remote.OpHead, bucket, key)
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	info, err := b.next.HeadVersion(ctx, bucket, real, vid)
	if err != nil {
		return remote.ObjectInfo{}, noSuchVersion(remote.OpHead, bucket, key, err)
	}
	// HEAD's Last-Modified has whole seconds; the name has the listing's
	// milliseconds.
	if !info.LastModified.Truncate(time.Second).Equal(t.Truncate(time.Second)) {
		return remote.ObjectInfo{}, notFound(remote.OpHead, bucket, key, "the version has another time")
	}
	info.Key, info.LastModified = key, t
	if info.Metadata != nil {
		meta := make(map[string]string, len(info.Metadata))
		for k, v := range info.Metadata {
			if k != remote.MetaMtime { // the name's time is the file's mtime
				meta[k] = v
			}
		}
		info.Metadata = meta
	}
	return info, nil
}

// Get reads a version's file: GetObject with its versionId.
func (b *browseClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	in, err := b.inBrowser(ctx, req.Bucket, req.Key)
	if err != nil {
		return nil, err
	}
	if !in {
		return b.next.Get(ctx, req)
	}
	real, _, vid, err := b.version(remote.OpGet, req.Bucket, req.Key)
	if err != nil {
		return nil, err
	}
	key := req.Key
	req.Key, req.VersionID = real, vid
	rc, err := b.next.Get(ctx, req)
	return rc, noSuchVersion(remote.OpGet, req.Bucket, key, err)
}

// noSuchVersion is err, except that a version id the server refuses as
// malformed (400, ErrInvalidArgument: MinIO and AWS check its shape) is
// a name of the browser that is no version: not found, as a well-formed
// id of no version is.
func noSuchVersion(op, bucket, key string, err error) error {
	if errors.Is(err, remote.ErrInvalidArgument) {
		return notFound(op, bucket, key, "no such version: "+err.Error())
	}
	return err
}

// The rest passes through, except changes under the browser.

func (b *browseClient) ListBuckets(ctx context.Context) ([]remote.BucketInfo, error) {
	return b.next.ListBuckets(ctx)
}

func (b *browseClient) HeadBucket(ctx context.Context, bucket string) error {
	return b.next.HeadBucket(ctx, bucket)
}

func (b *browseClient) ListVersions(ctx context.Context, req remote.ListVersionsRequest) (remote.VersionPage, error) {
	return b.next.ListVersions(ctx, req)
}

func (b *browseClient) HeadVersion(ctx context.Context, bucket, key, versionID string) (remote.ObjectInfo, error) {
	return b.next.HeadVersion(ctx, bucket, key, versionID)
}

func (b *browseClient) BucketVersioning(ctx context.Context, bucket string) (remote.Versioning, error) {
	return b.next.BucketVersioning(ctx, bucket)
}

func (b *browseClient) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]remote.Upload, error) {
	if b.knownInBrowser(bucket, prefix) {
		return nil, nil
	}
	return b.next.ListMultipartUploads(ctx, bucket, prefix)
}

// refuse is ErrReadOnly for a change under the browser, nil elsewhere.
func (b *browseClient) refuse(op, bucket, key string) error {
	if !b.knownInBrowser(bucket, key) {
		return nil
	}
	return &remote.Error{Op: op, Bucket: bucket, Key: key, Kind: remote.ErrReadOnly,
		Message: "the version browser is read-only"}
}

func (b *browseClient) Put(ctx context.Context, req remote.PutRequest) (remote.ObjectInfo, error) {
	if err := b.refuse(remote.OpPut, req.Bucket, req.Key); err != nil {
		return remote.ObjectInfo{}, err
	}
	return b.next.Put(ctx, req)
}

func (b *browseClient) Copy(ctx context.Context, req remote.CopyRequest) (remote.ObjectInfo, error) {
	if err := errors.Join(b.refuse(remote.OpCopy, req.DstBucket, req.DstKey), b.refuse(remote.OpCopy, req.SrcBucket, req.SrcKey)); err != nil {
		return remote.ObjectInfo{}, err
	}
	return b.next.Copy(ctx, req)
}

func (b *browseClient) Delete(ctx context.Context, bucket, key string) error {
	if err := b.refuse(remote.OpDelete, bucket, key); err != nil {
		return err
	}
	return b.next.Delete(ctx, bucket, key)
}

func (b *browseClient) CreateBucket(ctx context.Context, bucket string) error {
	return b.next.CreateBucket(ctx, bucket)
}

func (b *browseClient) DeleteBucket(ctx context.Context, bucket string) error {
	return b.next.DeleteBucket(ctx, bucket)
}

func (b *browseClient) CreateMultipart(ctx context.Context, req remote.CreateMultipartRequest) (string, error) {
	if err := b.refuse(remote.OpCreateMultipart, req.Bucket, req.Key); err != nil {
		return "", err
	}
	return b.next.CreateMultipart(ctx, req)
}

func (b *browseClient) UploadPart(ctx context.Context, req remote.UploadPartRequest) (remote.Part, error) {
	if err := b.refuse(remote.OpUploadPart, req.Bucket, req.Key); err != nil {
		return remote.Part{}, err
	}
	return b.next.UploadPart(ctx, req)
}

func (b *browseClient) UploadPartCopy(ctx context.Context, req remote.UploadPartCopyRequest) (remote.Part, error) {
	if err := errors.Join(b.refuse(remote.OpUploadPartCopy, req.Bucket, req.Key), b.refuse(remote.OpUploadPartCopy, req.SrcBucket, req.SrcKey)); err != nil {
		return remote.Part{}, err
	}
	return b.next.UploadPartCopy(ctx, req)
}

func (b *browseClient) CompleteMultipart(ctx context.Context, req remote.CompleteMultipartRequest) (remote.ObjectInfo, error) {
	if err := b.refuse(remote.OpCompleteMultipart, req.Bucket, req.Key); err != nil {
		return remote.ObjectInfo{}, err
	}
	return b.next.CompleteMultipart(ctx, req)
}

func (b *browseClient) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	if err := b.refuse(remote.OpAbortMultipart, bucket, key); err != nil {
		return err
	}
	return b.next.AbortMultipart(ctx, bucket, key, uploadID)
}

// isBrowser reports whether name, looked up in n, is the version
// browser: n is the root of a bucket of the tree and no real key holds
// the name. It is answered before the listing snapshot, which never
// holds it.
func (n *Dir) isBrowser(ctx context.Context, name string) (bool, error) {
	b := n.fsys.browse
	if b == nil || n.bucket == "" || name != b.name || n.prefix() != b.root {
		return false, nil
	}
	return b.active(ctx, n.bucket)
}

// inBrowser reports whether a change of (bucket, key) is one under the
// version browser, which is refused with ErrReadOnly before anything is
// sent.
func (f *FS) inBrowser(bucket, key string) bool {
	return f.browse != nil && f.browse.knownInBrowser(bucket, key)
}
