package remote

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The Fake keeps every version of every key in fakeBucket.versions,
// newest first, as S3 does: on a bucket that was never versioned each key
// has one version, NullVersion, replaced by every write and dropped by a
// delete; once versioning is enabled a write adds a version with a fresh
// id and a delete adds a delete marker; while it is suspended writes and
// deletes replace the NullVersion (a delete with a delete marker). The
// current version, unless a delete marker, is also fakeBucket.objects'.

// SetVersioning sets a bucket's versioning state, as PutBucketVersioning
// does: Enabled or Suspended. A bucket once versioned cannot go back to
// VersioningOff (ErrInvalidArgument, as in S3).
func (f *Fake) SetVersioning(bucket string, v Versioning) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket("PutBucketVersioning", bucket, "")
	if err != nil {
		return err
	}
	switch {
	case v != VersioningEnabled && v != VersioningSuspended && v != VersioningOff,
		v == VersioningOff && b.versioning != VersioningOff:
		return fail("PutBucketVersioning", bucket, "", ErrInvalidArgument, "IllegalVersioningConfigurationException")
	}
	b.versioning = v
	return nil
}

// record makes o key's newest version, giving it its id; f.mu must be
// held.
func (b *fakeBucket) record(key string, o *fakeObject) {
	if b.versioning == VersioningEnabled {
		b.vseq++
		o.versionID = fmt.Sprintf("00000000-0000-4000-8000-%012x", b.vseq)
	} else {
		o.versionID = NullVersion
		b.dropVersion(key, NullVersion)
	}
	hist, ok := b.versions[key]
	if !ok {
		i, _ := slices.BinarySearch(b.vkeys, key)
		b.vkeys = slices.Insert(b.vkeys, i, key)
	}
	b.versions[key] = append([]*fakeObject{o}, hist...)
}

// dropVersion removes version id of key, if there is one; f.mu must be
// held. The history slice is copied, not modified.
func (b *fakeBucket) dropVersion(key, id string) {
	hist, ok := b.versions[key]
	if !ok {
		return
	}
	hist = slices.DeleteFunc(slices.Clone(hist), func(o *fakeObject) bool { return o.versionID == id })
	if len(hist) > 0 {
		b.versions[key] = hist
		return
	}
	delete(b.versions, key)
	i, _ := slices.BinarySearch(b.vkeys, key)
	b.vkeys = slices.Delete(b.vkeys, i, i+1)
}

// version returns one version of key: ErrNotFound when there is none, or
// when it is a delete marker (S3 answers 405 Method Not Allowed); f.mu
// must be held.
func (f *Fake) version(op, bucket, key, id string) (*fakeObject, error) {
	b, err := f.bucket(op, bucket, key)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(b.versions[key], func(o *fakeObject) bool { return o.versionID == id })
	switch {
	case i < 0:
		return nil, fail(op, bucket, key, ErrNotFound, "NoSuchVersion")
	case b.versions[key][i].deleteMarker:
		return nil, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrNotFound, Code: "MethodNotAllowed",
			Status: 405, Message: "the version is a delete marker"}
	}
	return b.versions[key][i], nil
}

// getObject returns what a Get reads: the version asked for, or the
// current object; f.mu must be held.
func (f *Fake) getObject(req GetRequest) (*fakeObject, error) {
	if req.VersionID != "" {
		return f.version(OpGet, req.Bucket, req.Key, req.VersionID)
	}
	return f.object(OpGet, req.Bucket, req.Key)
}

// HeadVersion implements Client.
func (f *Fake) HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	if err := f.begin(ctx, OpHead, bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	if versionID == "" {
		return ObjectInfo{}, fail(OpHead, bucket, key, ErrInvalidArgument, "InvalidArgument")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.version(OpHead, bucket, key, versionID)
	if err != nil {
		return ObjectInfo{}, err
	}
	return o.info(key), nil
}

// BucketVersioning implements Client.
func (f *Fake) BucketVersioning(ctx context.Context, bucket string) (Versioning, error) {
	if err := f.begin(ctx, OpGetBucketVersioning, bucket, ""); err != nil {
		return VersioningOff, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpGetBucketVersioning, bucket, "")
	if err != nil {
		return VersioningOff, err
	}
	return b.versioning, nil
}

// ListVersions implements Client. MaxKeys counts versions, delete markers
// and common prefixes; a page ends after its last entry, which the next
// markers name (a common prefix: the prefix, with no version id).
func (f *Fake) ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error) {
	if err := f.begin(ctx, OpListVersions, req.Bucket, req.Prefix); err != nil {
		return VersionPage{}, err
	}
	if req.MaxKeys < 0 || req.VersionIDMarker != "" && req.KeyMarker == "" {
		return VersionPage{}, fail(OpListVersions, req.Bucket, req.Prefix, ErrInvalidArgument, "InvalidArgument")
	}
	limit := req.MaxKeys
	if limit == 0 || limit > maxListKeys {
		limit = maxListKeys
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpListVersions, req.Bucket, req.Prefix)
	if err != nil {
		return VersionPage{}, err
	}
	return b.versionPage(req, limit), nil
}

// versionPage collects up to limit entries after the markers; f.mu must
// be held.
func (b *fakeBucket) versionPage(req ListVersionsRequest, limit int) VersionPage {
	page := VersionPage{Versions: []ObjectVersion{}}
	n, lastKey, lastID := 0, "", ""
	full := func() bool {
		if n < limit {
			return false
		}
		page.NextKeyMarker, page.NextVersionIDMarker = lastKey, lastID
		return true
	}
	start, _ := slices.BinarySearch(b.vkeys, max(req.Prefix, req.KeyMarker))
	for _, key := range b.vkeys[start:] {
		if !strings.HasPrefix(key, req.Prefix) {
			break
		}
		entry, isPrefix := listEntry(key, req.Prefix, req.Delimiter)
		if isPrefix {
			if (req.KeyMarker != "" && entry <= req.KeyMarker) || (n > 0 && entry == lastKey && lastID == "") {
				continue
			}
			if full() {
				return page
			}
			page.Prefixes = append(page.Prefixes, entry)
			n, lastKey, lastID = n+1, entry, ""
			continue
		}
		for _, o := range b.versionsAfter(key, req) {
			if full() {
				return page
			}
			page.Versions = append(page.Versions, ObjectVersion{IsLatest: o == b.versions[key][0],
				DeleteMarker: o.deleteMarker, ObjectInfo: o.listed(key)})
			n, lastKey, lastID = n+1, key, o.versionID
		}
	}
	return page
}

// versionsAfter returns the versions of key a listing with req's markers
// still has to show; f.mu must be held.
func (b *fakeBucket) versionsAfter(key string, req ListVersionsRequest) []*fakeObject {
	hist := b.versions[key]
	switch {
	case req.KeyMarker == "" || key > req.KeyMarker:
		return hist
	case key < req.KeyMarker || req.VersionIDMarker == "":
		return nil
	}
	i := slices.IndexFunc(hist, func(o *fakeObject) bool { return o.versionID == req.VersionIDMarker })
	if i < 0 {
		return nil
	}
	return hist[i+1:]
}

// listed is what a versions listing shows of o: a delete marker has no
// size or ETag.
func (o *fakeObject) listed(key string) ObjectInfo {
	if o.deleteMarker {
		return ObjectInfo{Key: key, VersionID: o.versionID, LastModified: o.modified}
	}
	return ObjectInfo{Key: key, VersionID: o.versionID, Size: int64(len(o.data)), ETag: o.etag,
		LastModified: o.modified, StorageClass: "STANDARD"}
}

// DeleteVersion removes one version (or delete marker) of key for good,
// as DeleteObject with a VersionId does; the next one becomes current.
// Removing a missing version succeeds, as in S3. It is not part of
// Client: objfs never sends it; tests use it to make a version vanish.
func (f *Fake) DeleteVersion(bucket, key, versionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpDelete, bucket, key)
	if err != nil {
		return err
	}
	b.dropVersion(key, versionID)
	if hist := b.versions[key]; len(hist) > 0 && !hist[0].deleteMarker {
		b.objects[key] = hist[0]
	} else {
		delete(b.objects, key)
	}
	return nil
}
