package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// NewS3Client returns an SDK client for an S3-compatible endpoint with
// static credentials and path-style addressing. It reads no environment
// variables or shared config files, so the tests' view of S3 does not
// depend on the machine's AWS set-up.
func NewS3Client(endpoint, accessKey, secretKey, region string) *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// maxBucketName is S3's limit on bucket name length.
const maxBucketName = 63

// NewBucket creates a bucket with a fresh name derived from t's name, such
// as "t-testlist-3-9f2c", and returns the name. Buckets are not removed:
// they live as long as the server.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	suffix := fmt.Sprintf("-%d-%s", s.buckets.Add(1), randomHex(2))
	base := "t-" + bucketSafe(t.Name())
	if len(base)+len(suffix) > maxBucketName {
		base = strings.TrimRight(base[:maxBucketName-len(suffix)], "-")
	}
	name := base + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// bucketSafe lower-cases name and turns every run of characters that a
// bucket name cannot hold into one '-'.
func bucketSafe(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// SetVersioning sets a bucket's versioning ("Enabled" or "Suspended"),
// as PutBucketVersioning does.
func (s *Server) SetVersioning(t testing.TB, bucket, status string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.sdk.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(status)}}); err != nil {
		t.Fatalf("set versioning of %s to %s: %v", bucket, status, err)
	}
}

// NewVersionedBucket is NewBucket with versioning enabled.
func (s *Server) NewVersionedBucket(t testing.TB) string {
	t.Helper()
	b := s.NewBucket(t)
	s.SetVersioning(t, b, "Enabled")
	return b
}
