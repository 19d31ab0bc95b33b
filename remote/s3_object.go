package remote

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Head implements Client.
func (s *S3) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.HeadObject(actx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return ObjectInfo{}, s.fail(ctx, actx, OpHead, bucket, key, err)
	}
	return headInfo(key, out), nil
}

// headInfo is what a HeadObject answered about key.
func headInfo(key string, out *s3.HeadObjectOutput) ObjectInfo {
	return ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         aws.ToString(out.ETag),
		LastModified: aws.ToTime(out.LastModified),
		Metadata:     userMetadata(out.Metadata),
		VersionID:    aws.ToString(out.VersionId),
		StorageClass: string(out.StorageClass),
	}
}

// Put implements Client. The body's checksum is computed here, in a pass
// over Body before sending: x-amz-checksum-crc32c with an unsigned payload,
// or Content-MD5 once the server has shown it ignores CRC32C (bodySums).
// The server verifies it (XAmzContentChecksumMismatch or BadDigest
// otherwise); see doc.go, Integrity. Body is read from its start.
func (s *S3) Put(ctx context.Context, req PutRequest) (ObjectInfo, error) {
	if req.Size < 0 || req.Body == nil {
		return ObjectInfo{}, invalid(OpPut, req.Bucket, req.Key, "body missing or size %d negative", req.Size)
	}
	in := &s3.PutObjectInput{
		Bucket:        &req.Bucket,
		Key:           &req.Key,
		ContentLength: aws.Int64(req.Size),
		Metadata:      req.Metadata,
	}
	if req.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	md5Only := s.sums.md5Only()
	sum, err := putChecksum(in, req, md5Only)
	if err != nil {
		return ObjectInfo{}, &Error{Op: OpPut, Bucket: req.Bucket, Key: req.Key, Kind: ErrInvalidArgument, Err: err}
	}
	st := newStall(ctx, s.timeout)
	defer st.release()
	in.Body = newProgressBody(req.Body, req.Size, st)
	out, err := s.api.PutObject(st.ctx, in, s.sums.signing(md5Only)...)
	if err != nil {
		return ObjectInfo{}, s.fail(ctx, st.ctx, OpPut, req.Bucket, req.Key, err)
	}
	if !md5Only {
		at := Error{Op: OpPut, Bucket: req.Bucket, Key: req.Key}
		if err := s.sums.checkEcho(at, sum, aws.ToString(out.ChecksumCRC32C), aws.ToString(out.ETag), req.Body, req.Size); err != nil {
			return ObjectInfo{}, err
		}
	}
	return ObjectInfo{Key: req.Key, Size: req.Size, ETag: aws.ToString(out.ETag),
		Metadata: sentMetadata(req.Metadata)}, nil
}

// putChecksum sets the body's CRC32C, or its MD5 when md5Only, and returns
// the value.
func putChecksum(in *s3.PutObjectInput, req PutRequest, md5Only bool) (string, error) {
	if md5Only {
		sum, err := bodyMD5(req.Body, req.Size)
		in.ContentMD5 = &sum
		return sum, err
	}
	sum, err := bodyCRC32C(req.Body, req.Size)
	in.ChecksumCRC32C = &sum
	return sum, err
}

// Copy implements Client.
func (s *S3) Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error) {
	in := &s3.CopyObjectInput{
		Bucket:     &req.DstBucket,
		Key:        &req.DstKey,
		CopySource: aws.String(escapeCopySource(req.SrcBucket, req.SrcKey)),
	}
	if req.SrcETag != "" {
		in.CopySourceIfMatch = &req.SrcETag
	}
	if req.ReplaceMetadata {
		in.MetadataDirective = types.MetadataDirectiveReplace
		in.Metadata = req.Metadata
	}
	la := s.attemptLong(ctx, req.DstBucket)
	defer la.release()
	out, err := s.api.CopyObject(la.ctx, in)
	if err != nil {
		return ObjectInfo{}, s.failLong(ctx, la, OpCopy, req.DstBucket, req.DstKey, err)
	}
	info := ObjectInfo{Key: req.DstKey, Size: -1}
	if r := out.CopyObjectResult; r != nil {
		info.ETag, info.LastModified = aws.ToString(r.ETag), aws.ToTime(r.LastModified)
	}
	if req.ReplaceMetadata {
		info.Metadata = userMetadata(req.Metadata)
	}
	return info, nil
}

// Delete implements Client.
func (s *S3) Delete(ctx context.Context, bucket, key string) error {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	_, err := s.api.DeleteObject(actx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return s.fail(ctx, actx, OpDelete, bucket, key, err)
	}
	return nil
}

// Get implements Client. See s3_body.go for how the body is bounded.
func (s *S3) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	if req.Offset < 0 {
		return nil, invalid(OpGet, req.Bucket, req.Key, "negative offset %d", req.Offset)
	}
	if req.Length == 0 {
		return s.getNothing(ctx, req)
	}
	in := &s3.GetObjectInput{Bucket: &req.Bucket, Key: &req.Key}
	if req.IfMatch != "" {
		in.IfMatch = &req.IfMatch
	}
	if req.VersionID != "" {
		in.VersionId = &req.VersionID
	}
	if r := rangeHeader(req.Offset, req.Length); r != "" {
		in.Range = &r
	}
	body, err := s.getObject(ctx, in)
	if errors.Is(err, ErrInvalidRange) && req.Offset == 0 {
		// Only an empty object lacks byte 0: fetch it whole (and empty).
		in.Range = nil
		body, err = s.getObject(ctx, in)
	}
	if req.VersionID != "" {
		err = deleteMarkerNotFound(err)
	}
	return body, err
}

// rangeHeader returns the Range for [offset, offset+length), or "" for the
// whole object (so that an empty object can be read at all).
func rangeHeader(offset, length int64) string {
	switch {
	case length < 0 && offset == 0:
		return ""
	case length < 0:
		return "bytes=" + strconv.FormatInt(offset, 10) + "-"
	}
	return "bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(offset+length-1, 10)
}

// getNothing answers a zero-length read: a HeadObject (with IfMatch) checks
// that the object exists, still matches and has Offset inside it.
func (s *S3) getNothing(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	in := &s3.HeadObjectInput{Bucket: &req.Bucket, Key: &req.Key}
	if req.IfMatch != "" {
		in.IfMatch = &req.IfMatch
	}
	if req.VersionID != "" {
		in.VersionId = &req.VersionID
	}
	out, err := s.api.HeadObject(actx, in)
	if err != nil {
		err = s.fail(ctx, actx, OpGet, req.Bucket, req.Key, err)
		if req.VersionID != "" {
			err = deleteMarkerNotFound(err)
		}
		return nil, err
	}
	if !rangeStartOK(req.Offset, aws.ToInt64(out.ContentLength)) {
		return nil, &Error{Op: OpGet, Bucket: req.Bucket, Key: req.Key, Kind: ErrInvalidRange,
			Message: "offset " + strconv.FormatInt(req.Offset, 10) + " is beyond the object"}
	}
	return io.NopCloser(eofReader{}), nil
}

// rangeStartOK reports whether a read may start at offset in an object of
// size bytes: inside a non-empty object, or at 0 of an empty one.
func rangeStartOK(offset, size int64) bool {
	return offset >= 0 && (offset < size || offset == 0)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
