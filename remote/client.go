package remote

import (
	"context"
	"io"
	"time"
)

// Client is the storage seam: everything objfs asks of an S3-compatible
// service goes through it. Implementations: S3 (aws-sdk-go-v2), Fake (in
// memory, for unit tests), and decorators (Retry, Counting, Faulty).
//
// Contract shared by every method:
//   - ctx bounds the call; implementations must return promptly when it is
//     done, with an error wrapping ctx.Err().
//   - errors are classified with the sentinels in errors.go (errors.Is);
//     anything unclassified is treated as an I/O error by callers.
//   - keys are raw S3 keys, never URL-escaped; buckets are bucket names.
//   - a Client is safe for concurrent use.
type Client interface {
	// ListBuckets returns every bucket the credentials can list, sorted by
	// name.
	ListBuckets(ctx context.Context) ([]BucketInfo, error)

	// HeadBucket checks that bucket exists and is reachable with these
	// credentials: nil, ErrNotFound (no such bucket) or ErrAccessDenied.
	HeadBucket(ctx context.Context, bucket string) error

	// List returns one page of a ListObjectsV2 listing. Callers loop while
	// the page's NextToken is not empty, passing it back as req.Token.
	// Objects and Prefixes are each sorted by key, as S3 sends them.
	List(ctx context.Context, req ListRequest) (ListPage, error)

	// Head returns the object's attributes including user metadata
	// (ErrNotFound when there is no such key).
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)

	// Get returns a reader over [Offset, Offset+Length) of the object
	// (Length < 0 means to the end). If IfMatch is set and the object's
	// ETag differs, it fails with ErrPreconditionFailed and no bytes. A
	// range starting at or beyond the end of a non-empty object fails with
	// ErrInvalidRange; reading an empty object with Offset 0 returns an empty
	// reader; Length 0 only checks the object as for a read at Offset. The
	// caller must Close the reader.
	Get(ctx context.Context, req GetRequest) (io.ReadCloser, error)

	// Put stores Body (exactly Size bytes) as the whole object, with an
	// integrity checksum the server verifies. With IfNoneMatch it fails with
	// ErrPreconditionFailed if the key already exists — except, under
	// WithRetry, when what exists is this call's own earlier attempt whose
	// answer was lost (same ETag and metadata): that is a success. The
	// result carries Key, Size, ETag and the metadata sent (LastModified is
	// zero: S3 does not report it).
	Put(ctx context.Context, req PutRequest) (ObjectInfo, error)

	// Copy copies one object server-side (objects up to 5 GiB; larger ones
	// need multipart copy, see Multipart.UploadPartCopy). With
	// ReplaceMetadata the destination gets req.Metadata instead of the
	// source's. If SrcETag is set the copy fails with ErrPreconditionFailed
	// when the source changed. The result carries Key, ETag and
	// LastModified, metadata only when replaced, and Size -1 (unknown: S3
	// does not report it).
	Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error)

	// Delete removes one key. Deleting a missing key succeeds (S3 semantics).
	Delete(ctx context.Context, bucket, key string) error

	// CreateBucket creates a bucket: ErrExists when it exists already
	// (BucketAlreadyExists or BucketAlreadyOwnedByYou).
	CreateBucket(ctx context.Context, bucket string) error

	// DeleteBucket removes an empty bucket: ErrNotEmpty when it holds
	// objects, ErrNotFound when missing.
	DeleteBucket(ctx context.Context, bucket string) error

	Multipart
	Versions
}

// Multipart is the multipart-upload half of the seam. Part numbers start at
// 1; every part but the last must be at least MinPartSize bytes.
type Multipart interface {
	// CreateMultipart starts an upload and returns its id.
	CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error)
	// UploadPart uploads one part with an integrity checksum.
	UploadPart(ctx context.Context, req UploadPartRequest) (Part, error)
	// UploadPartCopy makes a part from a byte range of an existing object,
	// server-side (ErrPreconditionFailed if SrcETag is set and differs).
	UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error)
	// CompleteMultipart assembles the parts (sorted by number) into the
	// object. With IfNoneMatch it fails with ErrPreconditionFailed if the key
	// exists (where the server supports conditional writes); ErrNotFound
	// when the upload is gone. Under WithRetry neither is reported when an
	// earlier attempt whose answer was lost completed it: the key then
	// holds the parts' multipart ETag, and the call succeeds. The result
	// carries Key and ETag, and Size -1 (unknown).
	CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error)
	// AbortMultipart discards an upload and its parts: ErrNotFound when the
	// upload is gone (completed, aborted, or a retried abort's own earlier
	// attempt), which callers treat as done.
	AbortMultipart(ctx context.Context, bucket, key, uploadID string) error
	// ListMultipartUploads lists incomplete uploads under prefix.
	ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error)
}

// MinPartSize is S3's lower bound for every part but the last.
const MinPartSize = 5 << 20

// MaxParts is S3's upper bound on the number of parts of one upload.
const MaxParts = 10000

// MaxCopySize is the largest object a single CopyObject can copy.
const MaxCopySize = 5 << 30

// MetaMtime is the user-metadata key (x-amz-meta-mtime) that carries a
// file's modification time, as rclone and s3fs write it: seconds since the
// epoch with an optional fraction ("1700000000.123456789").
const MetaMtime = "mtime"

// MetaMode, MetaUID and MetaGID are the user-metadata keys
// (x-amz-meta-mode, -uid, -gid) that carry a file's mode and owner, as
// s3fs and rclone (--metadata) write them: the mode with its type bits, in
// decimal (s3fs: "33188") or octal (rclone: "100644"); the owner and group
// in decimal.
const (
	MetaMode = "mode"
	MetaUID  = "uid"
	MetaGID  = "gid"
)

// BucketInfo describes one bucket.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// ObjectInfo describes one object. Metadata holds user metadata (keys
// lower-case, without the x-amz-meta- prefix); it is nil for entries that
// come from a listing, which does not carry it.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // as S3 sends it, quotes included
	LastModified time.Time
	Metadata     map[string]string
	// VersionID is the object version S3 reported ("" on an unversioned
	// bucket, "null" for a version written while versioning was off or
	// suspended). Head and HeadVersion fill it; ListVersions too; List
	// does not.
	VersionID string
	// StorageClass as S3 reported it (Head and List); "" when S3 sent
	// none, which for Head means STANDARD (S3 omits the header for it).
	StorageClass string
}

// ListRequest asks for one page of ListObjectsV2.
type ListRequest struct {
	Bucket    string
	Prefix    string
	Delimiter string // "/" for one directory level, "" for a recursive walk
	Token     string // continuation token from the previous page
	MaxKeys   int    // 0 means the server's default (1000)
}

// ListPage is one page of a listing.
type ListPage struct {
	Objects   []ObjectInfo
	Prefixes  []string // common prefixes: full keys ending with the delimiter
	NextToken string   // empty when this was the last page
}

// GetRequest asks for a byte range of an object.
type GetRequest struct {
	Bucket  string
	Key     string
	IfMatch string // ETag the object must still have; empty means any
	// VersionID reads that version (GetObject?versionId=) instead of the
	// current one: ErrNotFound when there is no such version or it is a
	// delete marker. A version never changes, so such a Get is pinned as
	// one with IfMatch is.
	VersionID string
	Offset    int64
	Length    int64 // < 0: to the end of the object
}

// PutRequest stores a whole object.
type PutRequest struct {
	Bucket      string
	Key         string
	Body        io.ReadSeeker // rewindable so that retries can resend it
	Size        int64
	Metadata    map[string]string
	IfNoneMatch bool // create only: fail if the key exists
}

// CopyRequest copies one object server-side.
type CopyRequest struct {
	SrcBucket, SrcKey string
	SrcETag           string // optional If-Match on the source
	DstBucket, DstKey string
	Metadata          map[string]string
	ReplaceMetadata   bool
}

// CreateMultipartRequest starts a multipart upload.
type CreateMultipartRequest struct {
	Bucket   string
	Key      string
	Metadata map[string]string
	Checksum PartChecksum // how every UploadPart of it proves its body
}

// UploadPartRequest uploads one part.
type UploadPartRequest struct {
	Bucket, Key, UploadID string
	Number                int32
	Body                  io.ReadSeeker
	Size                  int64
	Checksum              PartChecksum // the upload's, as created
}

// PartChecksum is the integrity checksum the parts of one multipart upload
// carry (see the package doc, Integrity). A server refuses a part whose
// body does not match it, and one whose kind is not the upload's.
type PartChecksum uint8

const (
	// PartsMD5: parts send Content-MD5 and the upload declares no flexible
	// checksum, so it may mix uploaded parts with UploadPartCopy.
	PartsMD5 PartChecksum = iota
	// PartsCRC32C: the upload declares CRC32C, each part sends it (a
	// fraction of MD5's CPU cost) and returns it in Part.ChecksumCRC32C
	// for the completion to echo. UploadPartCopy is refused on such an
	// upload: MinIO cannot give a copied part a CRC32C. An S3 client that
	// sends MD5 only (a server that ignores CRC32C, or ChecksumMD5) treats
	// it as PartsMD5, and its parts return no ChecksumCRC32C.
	PartsCRC32C
)

// UploadPartCopyRequest makes a part from a range of an existing object.
type UploadPartCopyRequest struct {
	Bucket, Key, UploadID string
	Number                int32
	SrcBucket, SrcKey     string
	SrcETag               string
	Offset, Length        int64
}

// CompleteMultipartRequest completes a multipart upload.
type CompleteMultipartRequest struct {
	Bucket, Key, UploadID string
	Parts                 []Part
	IfNoneMatch           bool
}

// Part identifies one uploaded part.
type Part struct {
	Number int32
	ETag   string
	// ChecksumCRC32C is the base64 CRC32C the server verified, for parts
	// of a PartsCRC32C upload; CompleteMultipart echoes it. Empty for
	// PartsMD5 uploads.
	ChecksumCRC32C string
}

// Upload is one incomplete multipart upload.
type Upload struct {
	Key      string
	UploadID string
	Started  time.Time
}
