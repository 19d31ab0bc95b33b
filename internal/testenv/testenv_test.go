package testenv

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMain(m *testing.M) { Main(m) }

func TestVersionDate(t *testing.T) {
	for in, want := range map[string]string{
		"v0.0.0-20260212201848-7aac2a2c5b7c": "20260212",
		"v1.2.3":                             "v1.2.3",
	} {
		if got := versionDate(in); got != want {
			t.Errorf("versionDate(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.HasPrefix(MinIOVersion(), "v0.0.0-") || strings.ContainsAny(MinIOVersion(), " \n") {
		t.Errorf("MinIOVersion() = %q, want a bare Go pseudo-version", MinIOVersion())
	}
}

func TestMinIOBinaryLookup(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "minio")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OBJFS_MINIO", fake)
	if got, err := MinIOBinary(); err != nil || got != fake {
		t.Errorf("with OBJFS_MINIO: got %q, %v; want %q", got, err, fake)
	}
	t.Setenv("OBJFS_MINIO", filepath.Join(dir, "missing"))
	if _, err := MinIOBinary(); err == nil {
		t.Error("OBJFS_MINIO naming a missing file: want an error")
	}
	// Without OBJFS_MINIO, the pinned install under XDG_CACHE_HOME wins.
	t.Setenv("OBJFS_MINIO", "")
	t.Setenv("XDG_CACHE_HOME", dir)
	pinned := filepath.Join(MinIOInstallDir(), "minio")
	if !strings.HasPrefix(pinned, dir) || !strings.Contains(pinned, "minio-"+versionDate(MinIOVersion())) {
		t.Fatalf("pinned path %s: want it under %s, named by the version date", pinned, dir)
	}
	os.MkdirAll(filepath.Dir(pinned), 0o755)
	if err := os.WriteFile(pinned, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := MinIOBinary(); err != nil || got != pinned {
		t.Errorf("with a pinned install: got %q, %v; want %q", got, err, pinned)
	}
}

func TestBucketSafe(t *testing.T) {
	for in, want := range map[string]string{
		"TestFoo/sub_case#01": "testfoo-sub-case-01",
		"__x__":               "x",
	} {
		if got := bucketSafe(in); got != want {
			t.Errorf("bucketSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSharedServerRoundTrip(t *testing.T) {
	srv := MinIO(t)
	if again := MinIO(t); again != srv {
		t.Fatal("MinIO returned two servers in one test binary with Main")
	}
	bucket := srv.NewBucket(t)
	if other := srv.NewBucket(t); other == bucket {
		t.Fatalf("NewBucket returned %s twice", bucket)
	}
	if len(bucket) > maxBucketName || bucket != strings.ToLower(bucket) {
		t.Fatalf("bucket name %q is not a valid S3 name", bucket)
	}
	want := []byte("hello, objfs\n")
	put(t, srv.SDK(), bucket, "dir/hello.txt", want)
	if got := get(t, srv.SDK(), bucket, "dir/hello.txt"); !bytes.Equal(got, want) {
		t.Fatalf("round trip: got %q, want %q", got, want)
	}
}

func TestLongTestNameMakesValidBucket_with_a_name_much_longer_than_sixty_three_characters(t *testing.T) {
	srv := MinIO(t)
	b := srv.NewBucket(t)
	if len(b) > maxBucketName {
		t.Fatalf("bucket name %q has %d characters", b, len(b))
	}
}

func TestStopStartKeepsDataAndPort(t *testing.T) {
	srv := NewMinIO(t)
	bucket := srv.NewBucket(t)
	put(t, srv.SDK(), bucket, "k", []byte("v"))
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if srv.Running() {
		t.Fatal("Running after Stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Ping(ctx); err == nil {
		t.Fatal("stopped server still answers")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if got := get(t, srv.SDK(), bucket, "k"); string(got) != "v" {
		t.Fatalf("after restart: got %q, want %q", got, "v")
	}
}

func TestRequireFUSE(t *testing.T) {
	RequireFUSE(t) // skips or fails with the reason when FUSE is missing
	if reason := FUSEUnavailable(); reason != "" {
		t.Fatalf("RequireFUSE passed but FUSEUnavailable says %q", reason)
	}
}

func put(t *testing.T, c *s3.Client, bucket, key string, body []byte) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

func get(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
