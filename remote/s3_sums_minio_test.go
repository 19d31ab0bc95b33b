package remote

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// TestMinIOEchoesCRC32C: MinIO verifies x-amz-checksum-crc32c and echoes
// it in PutObject and UploadPart answers, so ChecksumAuto stays on CRC32C.
func TestMinIOEchoesCRC32C(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	logs := &logBuffer{}
	s := newMinIOSumsS3(t, srv, srv.Endpoint, ChecksumAuto, logs)
	body := bytes.Repeat([]byte("echo "), 1000)
	if _, err := s.Put(t.Context(), PutRequest{Bucket: bucket, Key: "put", Body: bytes.NewReader(body), Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if err := uploadOnePart(t, s, bucket, "crc", PartsCRC32C, body)(s); err != nil {
		t.Fatal(err)
	}
	if s.sums.ignored.Load() {
		t.Fatalf("MinIO taken for a server that ignores CRC32C:\n%s", logs)
	}
}

// TestMinIOMD5Mode: with ChecksumMD5 every write, a part of a PartsCRC32C
// upload too, sends Content-MD5 and a signed SHA-256 over plain HTTP;
// MinIO refuses a corrupted body (BadDigest) and takes the resend.
func TestMinIOMD5Mode(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	proxy := startCorruptingProxy(t, srv.Endpoint)
	s := newMinIOSumsS3(t, srv, proxy.url, ChecksumMD5, &logBuffer{})
	retried := WithRetry(s, RetryConfig{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	body := bytes.Repeat([]byte("md5 mode "), MinPartSize/9+1)
	put := func(c Client) error {
		_, err := c.Put(t.Context(), PutRequest{Bucket: bucket, Key: "put", Body: bytes.NewReader(body), Size: int64(len(body))})
		return err
	}
	for name, write := range map[string]func(Client) error{"Put": put, "PartCRC32C": uploadOnePart(t, s, bucket, "crc", PartsCRC32C, body)} {
		t.Run(name, func(t *testing.T) {
			proxy.corruptNext(1)
			var e *Error
			if err := write(s); !errors.As(err, &e) || e.Code != "BadDigest" || !errors.Is(err, ErrTransient) {
				t.Fatalf("corrupted body: %v, want BadDigest, transient", err)
			}
			proxy.corruptNext(1)
			if err := write(retried); err != nil {
				t.Fatalf("with retries: %v", err)
			}
			if signed, total := proxy.signedPayloads(); signed != 2 || total != 2 {
				t.Errorf("%d of %d bodies had a signed SHA-256, want 2 of 2", signed, total)
			}
		})
	}
	if got := getAll(t, s, bucket, "put"); !bytes.Equal(got, body) {
		t.Fatal("stored object differs from the body sent")
	}
}

func newMinIOSumsS3(t *testing.T, srv *testenv.Server, endpoint string, mode ChecksumMode, logs *logBuffer) *S3 {
	t.Helper()
	c, err := NewS3(t.Context(), S3Config{Endpoint: endpoint, Region: srv.Region, PathStyle: true,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, RequestTimeout: 10 * time.Second,
		Checksum: mode, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return c
}
