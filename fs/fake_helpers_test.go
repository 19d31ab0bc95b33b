package fs

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

const testBucket = "bucket"

// testClock is a manual clock for TTL tests.
type testClock struct{ now time.Time }

func newTestClock() *testClock { return &testClock{now: time.Unix(1700000000, 0)} }

func (c *testClock) Now() time.Time          { return c.now }
func (c *testClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// newFake returns a Fake holding testBucket, and a counter in front of it.
func newFake(t *testing.T) (*remote.Fake, *remote.Counting) {
	t.Helper()
	fake := remote.NewFake()
	if err := fake.CreateBucket(context.Background(), testBucket); err != nil {
		t.Fatal(err)
	}
	return fake, remote.NewCounting(fake)
}

// put stores data at key in testBucket and returns its info.
func put(t *testing.T, c remote.Client, key string, data []byte, meta map[string]string) remote.ObjectInfo {
	t.Helper()
	info, err := c.Put(context.Background(), remote.PutRequest{
		Bucket: testBucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: meta,
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

// pattern returns n bytes that differ at every offset modulo 251 and with
// seed, so misplaced or mixed ranges are caught.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i%251) ^ seed
	}
	return b
}
