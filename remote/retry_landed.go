package remote

import "context"

// A retried conditional write can be refused because of its own earlier
// attempt: the server applied it, the answer was lost (reset, timeout),
// and the retry finds the object there (412) or the upload completed
// (NoSuchUpload). WithRetry then asks S3 what the key holds and reports
// success when it is the object this call wrote, recognised by its ETag:
// the body's MD5 for a single PUT, the MD5 of the parts' MD5s with "-N"
// for a multipart upload, which is what S3 and MinIO give objects stored
// without SSE-KMS or SSE-C. With those (RetryConfig.ETagsNotMD5) no ETag
// is predicted and the original error stands, as it does when nothing
// matches (a bucket's default SSE-KMS, servers that make ETags
// differently): a false failure, never a false success. (An SSE-KMS
// ETag can look like an MD5, 32 hex digits, without being one, so it is
// not compared at all.)
//
// An ETag names bytes, not a writer: another client's object with the
// same bytes passes too. For data that is right, the bytes at the key are
// the bytes written. It matters for O_EXCL used as a lock, where two
// creators could both succeed; so a Put must also find the metadata it
// sent, which for objfs includes the mtime to the nanosecond. A multipart
// completion does not carry its metadata (CreateMultipart sent it), so
// there identical bytes in identical parts are accepted as ours.

// putLanded decides a Put with IfNoneMatch that ended in errPut, the
// precondition failing after an earlier attempt may have been applied.
func (r *retrying) putLanded(ctx context.Context, req PutRequest, errPut error) (ObjectInfo, error) {
	if r.cfg.ETagsNotMD5 {
		return ObjectInfo{}, errPut
	}
	sum, err := bodySum(req.Body, req.Size)
	if err != nil {
		return ObjectInfo{}, errPut
	}
	found, ok := r.landed(ctx, req.Bucket, req.Key, sumETag(sum))
	if !ok || found.Size != req.Size || !hasMetadata(found.Metadata, req.Metadata) {
		return ObjectInfo{}, errPut
	}
	r.logLanded(OpPut, req.Bucket, req.Key, errPut)
	return ObjectInfo{Key: req.Key, Size: req.Size, ETag: found.ETag, Metadata: sentMetadata(req.Metadata)}, nil
}

// completeLanded decides a CompleteMultipart that ended in errComplete
// (upload gone, or precondition failed) after an earlier attempt may have
// been applied.
func (r *retrying) completeLanded(ctx context.Context, req CompleteMultipartRequest, errComplete error) (ObjectInfo, error) {
	if r.cfg.ETagsNotMD5 {
		return ObjectInfo{}, errComplete
	}
	want, ok := multipartETag(req.Parts)
	if !ok {
		return ObjectInfo{}, errComplete
	}
	found, ok := r.landed(ctx, req.Bucket, req.Key, want)
	if !ok {
		return ObjectInfo{}, errComplete
	}
	r.logLanded(OpCompleteMultipart, req.Bucket, req.Key, errComplete)
	return ObjectInfo{Key: req.Key, Size: -1, ETag: found.ETag}, nil
}

// landed heads bucket/key (with retries) and reports whether it holds an
// object with ETag want.
func (r *retrying) landed(ctx context.Context, bucket, key, want string) (ObjectInfo, bool) {
	found, err := r.Head(ctx, bucket, key)
	if err != nil {
		return ObjectInfo{}, false
	}
	return found, sameETag(found.ETag, want)
}

func (r *retrying) logLanded(op, bucket, key string, err error) {
	r.cfg.Logger.Info("a retried write was refused by its own earlier attempt, whose answer was lost; the object is ours",
		"op", op, "bucket", bucket, "key", key, "refusal", err)
}

// hasMetadata reports whether found carries every pair of sent (keys
// compared lower-case, as S3 returns them).
func hasMetadata(found, sent map[string]string) bool {
	for k, v := range userMetadata(sent) {
		if got, ok := found[k]; !ok || got != v {
			return false
		}
	}
	return true
}
