package remote

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/objfs/objfs/internal/testenv"
)

// Tests of the S3 client that need a real server's behaviour: MinIO, via
// testenv (shared per test binary by TestMain in s3_test.go).

func minioS3(t *testing.T, srv *testenv.Server, secret string) *S3 {
	t.Helper()
	c, err := NewS3(t.Context(), S3Config{Endpoint: srv.Endpoint, Region: srv.Region, PathStyle: true,
		AccessKeyID: srv.AccessKey, SecretAccessKey: secret, RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return c
}

// TestMinIOVerifiesContentMD5 shows that the Content-MD5 Put sends is
// checked by the server: a wrong one is refused as BadDigest (ErrTransient,
// so a retry resends the body) and nothing is stored.
func TestMinIOVerifiesContentMD5(t *testing.T) {
	srv := testenv.MinIO(t)
	s, bucket := minioS3(t, srv, srv.SecretKey), srv.NewBucket(t)
	wrong := "1B2M2Y8AsgTpgAmY7PhCfg==" // MD5 of the empty string
	_, err := s.api.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"),
		Body: strings.NewReader("not empty"), ContentLength: aws.Int64(9), ContentMD5: &wrong})
	if err == nil {
		t.Fatal("the server accepted a body that does not match its Content-MD5")
	}
	c := classify(err)
	if c.code != "BadDigest" || c.kind != ErrTransient {
		t.Fatalf("wrong Content-MD5: code %q class %v (%v), want BadDigest, transient", c.code, c.kind, err)
	}
	_, err = s.Head(t.Context(), bucket, "k")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Head after the refused Put: %v, want not found", err)
	}
}

func TestMinIOBadCredentials(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	const badSecret = "definitely-not-the-secret"
	s := minioS3(t, srv, badSecret)
	err := s.HeadBucket(t.Context(), bucket)
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("HeadBucket with a wrong secret: %v, want access denied", err)
	}
	_, err = s.ListBuckets(t.Context())
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("ListBuckets with a wrong secret: %v, want access denied (SignatureDoesNotMatch)", err)
	}
	if strings.Contains(err.Error(), badSecret) {
		t.Fatalf("error shows the secret: %v", err)
	}
}

// TestMinIORetryAcrossRestart: with the server down, WithRetry keeps
// trying (ErrUnreachable is retryable) until it is back.
func TestMinIORetryAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts MinIO")
	}
	srv := testenv.NewMinIO(t)
	bucket := srv.NewBucket(t)
	s := minioS3(t, srv, srv.SecretKey)
	if _, err := s.Put(t.Context(), PutRequest{Bucket: bucket, Key: "k", Body: bytes.NewReader([]byte("survives")), Size: 8}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Head(t.Context(), bucket, "k")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Head with the server down: %v, want unreachable", err)
	}
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		restarted <- srv.Start()
	}()
	counted := NewCounting(s)
	c := WithRetry(counted, RetryConfig{MaxAttempts: 60, BaseDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond})
	rc, err := c.Get(t.Context(), GetRequest{Bucket: bucket, Key: "k", Length: -1})
	if serr := <-restarted; serr != nil {
		t.Fatalf("restart MinIO: %v", serr)
	}
	if err != nil {
		t.Fatalf("Get across the restart: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil || string(data) != "survives" {
		t.Fatalf("read %q, %v", data, err)
	}
	if n := counted.Count(OpGet); n < 2 {
		t.Errorf("%d GetObject requests; the first ones should have failed", n)
	}
}
