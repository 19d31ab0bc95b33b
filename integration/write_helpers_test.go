//go:build linux

package integration

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PID is the serving objfs process (the harness mounts in the
// foreground).
func (m *Mount) PID() int { return m.cmd.Process.Pid }

// memoryKiB returns VmRSS and VmHWM (peak RSS) of process pid, in KiB.
func memoryKiB(t *testing.T, pid int) (rss, hwm int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", name, rest)
		}
		if name == "VmRSS" {
			rss = v
		} else {
			hwm = v
		}
	}
	return rss, hwm
}

// objectMD5 streams bucket/key through md5 with the SDK and returns the
// digest and the size.
func objectMD5(t *testing.T, c *s3.Client, bucket, key string) (string, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	h := md5.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// getObject reads bucket/key whole with the SDK; ok is false when it does
// not exist.
func getObject(t *testing.T, c *s3.Client, bucket, key string) ([]byte, bool) {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nf interface{ ErrorCode() string }
		if errors.As(err, &nf) && (nf.ErrorCode() == "NoSuchKey" || nf.ErrorCode() == "NotFound") {
			return nil, false
		}
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

// headMeta returns the object's ETag (unquoted) and user metadata.
func headMeta(t *testing.T, c *s3.Client, bucket, key string) (string, map[string]string) {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s/%s: %v", bucket, key, err)
	}
	return strings.Trim(aws.ToString(out.ETag), `"`), out.Metadata
}

// multipartUploads lists the incomplete multipart uploads of bucket.
func multipartUploads(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads of %s: %v", bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

// writeRandomFile writes size random bytes (from seed) to a new file in
// dir and returns its path and md5.
func writeRandomFile(t *testing.T, dir, name string, seed uint64, size int64) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := md5.New()
	const chunk = 8 << 20
	for off := int64(0); off < size; off += chunk {
		b := randomBytes(seed+uint64(off/chunk), int(min(chunk, size-off)))
		h.Write(b)
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

// makeTree writes files local files under dir: names spread over a few
// subdirectories, small random contents, mode 0644 (objfs's default, so
// that listings compare equal), and returns their relative paths.
func makeTree(t *testing.T, dir string, files int) []string {
	t.Helper()
	var rel []string
	for i := range files {
		p := filepath.Join(fmt.Sprintf("d%d", i%5), fmt.Sprintf("s%d", i%3), fmt.Sprintf("file-%04d.dat", i))
		if i%7 == 0 {
			p = fmt.Sprintf("top-%04d.txt", i)
		}
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, randomBytes(uint64(i), i%3000), 0o644); err != nil {
			t.Fatal(err)
		}
		rel = append(rel, p)
	}
	return rel
}

// randomHexName returns 8 random hex digits for unique names.
func randomHexName() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// deleteBucketQuietly empties and deletes bucket, ignoring errors (test
// clean-up of a bucket the mount may or may not have removed).
func deleteBucketQuietly(c *s3.Client, bucket string) {
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		return
	}
	for _, o := range out.Contents {
		c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
	}
	c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
}
