//go:build linux

package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Timeout bounds one SDK call made by a test.
const s3Timeout = 2 * time.Minute

func s3ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s3Timeout)
}

// putObject stores body at bucket/key.
func putObject(t testing.TB, c *s3.Client, bucket, key string, body []byte) {
	t.Helper()
	if err := tryPut(c, bucket, key, body); err != nil {
		t.Fatal(err)
	}
}

func tryPut(c *s3.Client, bucket, key string, body []byte) error {
	ctx, cancel := s3ctx()
	defer cancel()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	return nil
}

// putMany stores objs with workers concurrent PutObject calls.
func putMany(t testing.TB, c *s3.Client, bucket string, objs map[string][]byte, workers int) {
	t.Helper()
	keys := make(chan string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				if err := tryPut(c, bucket, k, objs[k]); err != nil {
					errs <- err
					for range keys { // drain so the feeder finishes
					}
					return
				}
			}
		}()
	}
	for k := range objs {
		keys <- k
	}
	close(keys)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

// getRange reads [off, off+n) of bucket/key with the SDK (a Range GET).
func getRange(t testing.TB, c *s3.Client, bucket, key string, off, n int64) []byte {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	})
	if err != nil {
		t.Fatalf("get %s/%s range %d+%d: %v", bucket, key, off, n, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s/%s range %d+%d: %v", bucket, key, off, n, err)
	}
	return b
}

// headETag returns the object's ETag without quotes.
func headETag(t testing.TB, c *s3.Client, bucket, key string) string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s/%s: %v", bucket, key, err)
	}
	return string(bytes.Trim([]byte(aws.ToString(out.ETag)), `"`))
}

// listKeys lists every key in bucket (recursively), sorted.
func listKeys(t testing.TB, c *s3.Client, bucket string) []string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

// listBuckets returns every bucket's name, sorted.
func listBuckets(t testing.TB, c *s3.Client) []string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("list buckets: %v", err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	sort.Strings(names)
	return names
}

// randomBytes returns n bytes from a generator seeded with seed, so that a
// failure can be reproduced.
func randomBytes(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	b := make([]byte, n)
	r.Read(b)
	return b
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}
