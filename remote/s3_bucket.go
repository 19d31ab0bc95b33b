package remote

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ListBuckets implements Client, following continuation tokens where the
// server pages its answer.
func (s *S3) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	var buckets []BucketInfo
	in := &s3.ListBucketsInput{}
	for {
		out, err := s.listBucketsPage(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, b := range out.Buckets {
			buckets = append(buckets, BucketInfo{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate)})
		}
		if aws.ToString(out.ContinuationToken) == "" {
			break
		}
		in.ContinuationToken = out.ContinuationToken
	}
	slices.SortFunc(buckets, func(a, b BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return buckets, nil
}

func (s *S3) listBucketsPage(ctx context.Context, in *s3.ListBucketsInput) (*s3.ListBucketsOutput, error) {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.ListBuckets(actx, in)
	if err != nil {
		return nil, s.fail(ctx, actx, OpListBuckets, "", "", err)
	}
	return out, nil
}

// HeadBucket implements Client.
func (s *S3) HeadBucket(ctx context.Context, bucket string) error {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	if _, err := s.api.HeadBucket(actx, &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
		return s.fail(ctx, actx, OpHeadBucket, bucket, "", err)
	}
	return nil
}

// CreateBucket implements Client. Outside us-east-1 the bucket is created
// in the client's region, as S3 requires.
func (s *S3) CreateBucket(ctx context.Context, bucket string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if s.region != DefaultRegion {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(s.region),
		}
	}
	actx, cancel := s.attempt(ctx)
	defer cancel()
	if _, err := s.api.CreateBucket(actx, in); err != nil {
		return s.fail(ctx, actx, OpCreateBucket, bucket, "", err)
	}
	return nil
}

// DeleteBucket implements Client.
func (s *S3) DeleteBucket(ctx context.Context, bucket string) error {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	if _, err := s.api.DeleteBucket(actx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return s.fail(ctx, actx, OpDeleteBucket, bucket, "", err)
	}
	return nil
}
