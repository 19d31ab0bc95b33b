package remote

// Operation names, as S3 calls its API actions. Decorators and metrics key
// requests by them (Counting.Snapshot, Fake.FailNext, error messages).
const (
	OpListBuckets          = "ListBuckets"
	OpHeadBucket           = "HeadBucket"
	OpCreateBucket         = "CreateBucket"
	OpDeleteBucket         = "DeleteBucket"
	OpList                 = "ListObjectsV2"
	OpHead                 = "HeadObject"
	OpGet                  = "GetObject"
	OpPut                  = "PutObject"
	OpCopy                 = "CopyObject"
	OpDelete               = "DeleteObject"
	OpCreateMultipart      = "CreateMultipartUpload"
	OpUploadPart           = "UploadPart"
	OpUploadPartCopy       = "UploadPartCopy"
	OpCompleteMultipart    = "CompleteMultipartUpload"
	OpAbortMultipart       = "AbortMultipartUpload"
	OpListMultipartUploads = "ListMultipartUploads"
	OpListVersions         = "ListObjectVersions"
	OpGetBucketVersioning  = "GetBucketVersioning"
	// HeadVersion is a HeadObject (with versionId), counted as OpHead.
)

// Ops lists every operation name, in the order of the Client interface.
var Ops = []string{
	OpListBuckets, OpHeadBucket, OpList, OpHead, OpGet, OpPut, OpCopy,
	OpDelete, OpCreateBucket, OpDeleteBucket, OpCreateMultipart,
	OpUploadPart, OpUploadPartCopy, OpCompleteMultipart, OpAbortMultipart,
	OpListMultipartUploads, OpListVersions, OpGetBucketVersioning,
}
