package remote

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// CreateMultipart implements Multipart. A PartsCRC32C upload declares
// CRC32C (x-amz-checksum-algorithm) unless the client sends MD5 only
// (bodySums); a PartsMD5 upload declares no flexible checksum (see doc.go,
// Integrity).
func (s *S3) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error) {
	in := &s3.CreateMultipartUploadInput{
		Bucket:   &req.Bucket,
		Key:      &req.Key,
		Metadata: req.Metadata,
	}
	if req.Checksum == PartsCRC32C && !s.sums.md5Only() {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
	}
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.CreateMultipartUpload(actx, in)
	if err != nil {
		return "", s.fail(ctx, actx, OpCreateMultipart, req.Bucket, req.Key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart implements Multipart, with the part's checksum (the
// upload's kind, req.Checksum) computed in a pass over Body as in Put.
// Once the client sends MD5 only, every part sends Content-MD5: a part of
// a CRC32C upload created before the switch too, since the server that
// caused it ignores the declared algorithm.
func (s *S3) UploadPart(ctx context.Context, req UploadPartRequest) (Part, error) {
	if req.Size < 0 || req.Body == nil {
		return Part{}, invalid(OpUploadPart, req.Bucket, req.Key, "body missing or size %d negative", req.Size)
	}
	in := &s3.UploadPartInput{
		Bucket:        &req.Bucket,
		Key:           &req.Key,
		UploadId:      &req.UploadID,
		PartNumber:    aws.Int32(req.Number),
		ContentLength: aws.Int64(req.Size),
	}
	md5Only := s.sums.md5Only()
	crc := req.Checksum == PartsCRC32C && !md5Only
	// The checksum pass runs before the stall timer starts.
	sum, err := setPartChecksum(in, req, crc)
	if err != nil {
		return Part{}, &Error{Op: OpUploadPart, Bucket: req.Bucket, Key: req.Key, Kind: ErrInvalidArgument, Err: err}
	}
	st := newStall(ctx, s.timeout)
	defer st.release()
	in.Body = newProgressBody(req.Body, req.Size, st)
	out, err := s.api.UploadPart(st.ctx, in, s.sums.signing(md5Only)...)
	if err != nil {
		return Part{}, s.fail(ctx, st.ctx, OpUploadPart, req.Bucket, req.Key, err)
	}
	part := Part{Number: req.Number, ETag: aws.ToString(out.ETag), ChecksumCRC32C: aws.ToString(out.ChecksumCRC32C)}
	if crc {
		at := Error{Op: OpUploadPart, Bucket: req.Bucket, Key: req.Key}
		if err := s.sums.checkEcho(at, sum, part.ChecksumCRC32C, part.ETag, req.Body, req.Size); err != nil {
			return Part{}, err
		}
	}
	return part, nil
}

// setPartChecksum computes the part's CRC32C, or its MD5 unless crc, and
// returns the value.
func setPartChecksum(in *s3.UploadPartInput, req UploadPartRequest, crc bool) (string, error) {
	if crc {
		sum, err := bodyCRC32C(req.Body, req.Size)
		in.ChecksumCRC32C = &sum
		return sum, err
	}
	sum, err := bodyMD5(req.Body, req.Size)
	in.ContentMD5 = &sum
	return sum, err
}

// UploadPartCopy implements Multipart. Length < 0 with Offset 0 copies the
// whole source object.
func (s *S3) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error) {
	in := &s3.UploadPartCopyInput{
		Bucket:     &req.Bucket,
		Key:        &req.Key,
		UploadId:   &req.UploadID,
		PartNumber: aws.Int32(req.Number),
		CopySource: aws.String(escapeCopySource(req.SrcBucket, req.SrcKey)),
	}
	switch {
	case req.Offset < 0 || req.Length == 0 || req.Length < 0 && req.Offset > 0:
		return Part{}, invalid(OpUploadPartCopy, req.Bucket, req.Key,
			"copy range offset %d length %d", req.Offset, req.Length)
	case req.Length > 0:
		in.CopySourceRange = aws.String(rangeHeader(req.Offset, req.Length))
	}
	if req.SrcETag != "" {
		in.CopySourceIfMatch = &req.SrcETag
	}
	la := s.attemptLong(ctx, req.Bucket)
	defer la.release()
	out, err := s.api.UploadPartCopy(la.ctx, in)
	if err != nil {
		return Part{}, s.failLong(ctx, la, OpUploadPartCopy, req.Bucket, req.Key, err)
	}
	part := Part{Number: req.Number}
	if r := out.CopyPartResult; r != nil {
		part.ETag, part.ChecksumCRC32C = aws.ToString(r.ETag), aws.ToString(r.ChecksumCRC32C)
	}
	return part, nil
}

// CompleteMultipart implements Multipart; parts are sent sorted by number.
func (s *S3) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error) {
	parts := slices.SortedFunc(slices.Values(req.Parts), func(a, b Part) int { return cmp.Compare(a.Number, b.Number) })
	completed := make([]types.CompletedPart, len(parts))
	for i, p := range parts {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
		if p.ChecksumCRC32C != "" {
			completed[i].ChecksumCRC32C = aws.String(p.ChecksumCRC32C)
		}
	}
	in := &s3.CompleteMultipartUploadInput{
		Bucket:          &req.Bucket,
		Key:             &req.Key,
		UploadId:        &req.UploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	}
	if req.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	la := s.attemptLong(ctx, req.Bucket)
	defer la.release()
	out, err := s.api.CompleteMultipartUpload(la.ctx, in)
	if err != nil {
		return ObjectInfo{}, s.failLong(ctx, la, OpCompleteMultipart, req.Bucket, req.Key, err)
	}
	return ObjectInfo{Key: req.Key, Size: -1, ETag: aws.ToString(out.ETag)}, nil
}

// AbortMultipart implements Multipart.
func (s *S3) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	_, err := s.api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket: &bucket, Key: &key, UploadId: &uploadID,
	})
	if err != nil {
		return s.fail(ctx, actx, OpAbortMultipart, bucket, key, err)
	}
	return nil
}

// ListMultipartUploads implements Multipart, following every page. The
// prefix is applied here, not sent: MinIO answers a prefix that is not a
// whole key with no uploads at all. Listing a bucket's incomplete uploads
// is a maintenance task, so reading them all is an acceptable price.
func (s *S3) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	var uploads []Upload
	in := &s3.ListMultipartUploadsInput{Bucket: &bucket, EncodingType: types.EncodingTypeUrl}
	for {
		out, err := s.listUploadsPage(ctx, in)
		if err != nil {
			return nil, err
		}
		page, marker, err := uploadsPage(out)
		if err != nil {
			return nil, &Error{Op: OpListMultipartUploads, Bucket: bucket, Key: prefix, Err: err}
		}
		for _, u := range page {
			if strings.HasPrefix(u.Key, prefix) {
				uploads = append(uploads, u)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = &marker, out.NextUploadIdMarker
	}
	slices.SortFunc(uploads, func(a, b Upload) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), a.Started.Compare(b.Started))
	})
	return uploads, nil
}

// uploadsPage decodes one page of uploads and its next key marker.
func uploadsPage(out *s3.ListMultipartUploadsOutput) ([]Upload, string, error) {
	dec := keyDecoder(out.EncodingType)
	uploads := make([]Upload, 0, len(out.Uploads))
	for _, u := range out.Uploads {
		key, err := dec(aws.ToString(u.Key))
		if err != nil {
			return nil, "", err
		}
		uploads = append(uploads, Upload{Key: key, UploadID: aws.ToString(u.UploadId), Started: aws.ToTime(u.Initiated)})
	}
	marker, err := dec(aws.ToString(out.NextKeyMarker))
	return uploads, marker, err
}

func (s *S3) listUploadsPage(ctx context.Context, in *s3.ListMultipartUploadsInput) (*s3.ListMultipartUploadsOutput, error) {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.ListMultipartUploads(actx, in)
	if err != nil {
		return nil, s.fail(ctx, actx, OpListMultipartUploads, *in.Bucket, "", err)
	}
	return out, nil
}
