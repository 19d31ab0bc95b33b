package remote

import "context"

// Versions is the object-versions half of the seam: reading a bucket as
// S3's versioning keeps it. Nothing here changes the bucket.
type Versions interface {
	// ListVersions returns one page of ListObjectVersions: the versions
	// and delete markers of keys under Prefix, sorted as S3 sends them
	// (by key, each key's newest first), and, with a Delimiter, the
	// common prefixes of keys that have any version or delete marker at
	// all. Callers loop while the page's NextKeyMarker is not empty,
	// passing it (and NextVersionIDMarker) back. On a bucket that was
	// never versioned every object is one version, "null", IsLatest.
	ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error)

	// HeadVersion returns the attributes of one version of key, as Head
	// does (VersionID filled): ErrNotFound when there is no such version
	// or it is a delete marker.
	HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error)

	// BucketVersioning returns the bucket's versioning state
	// (GetBucketVersioning): VersioningOff for one never versioned.
	BucketVersioning(ctx context.Context, bucket string) (Versioning, error)
}

// Versioning is a bucket's versioning state, as S3 names it.
type Versioning string

const (
	// VersioningOff: never enabled; objects have no versions (S3 sends
	// no Status).
	VersioningOff Versioning = ""
	// VersioningEnabled: every write makes a new version, a delete a
	// delete marker.
	VersioningEnabled Versioning = "Enabled"
	// VersioningSuspended: versions made while enabled are kept; writes
	// and deletes replace the "null" version.
	VersioningSuspended Versioning = "Suspended"
)

// NullVersion is the version id of an object written while versioning
// was off or suspended.
const NullVersion = "null"

// ListVersionsRequest asks for one page of ListObjectVersions.
type ListVersionsRequest struct {
	Bucket    string
	Prefix    string
	Delimiter string // "/" for one directory level, "" for a recursive walk
	// KeyMarker and VersionIDMarker continue a listing: the page starts
	// after that version of that key (after every version of KeyMarker
	// when VersionIDMarker is empty).
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int // 0 means the server's default (1000)
}

// VersionPage is one page of a versions listing.
type VersionPage struct {
	// Versions holds versions and delete markers together, by key, each
	// key's newest first.
	Versions []ObjectVersion
	Prefixes []string // common prefixes: full keys ending with the delimiter
	// NextKeyMarker is empty when this was the last page; otherwise it
	// and NextVersionIDMarker (possibly empty, after a common prefix)
	// go into the next request. They are opaque: MinIO's key marker is
	// not a key ("KEY[minio_cache:…]").
	NextKeyMarker       string
	NextVersionIDMarker string
}

// ObjectVersion is one entry of a versions listing. ObjectInfo carries
// Key, VersionID, Size, ETag, LastModified and StorageClass (no
// Metadata); a delete marker has only Key, VersionID and LastModified.
type ObjectVersion struct {
	ObjectInfo
	IsLatest     bool // the key's current version (or delete marker)
	DeleteMarker bool
}
