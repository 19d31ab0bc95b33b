// Package testkit holds what the unit tests of fs, vfs and remote share:
// a Fake with one bucket behind a request counter, a manual clock, byte
// patterns, and one-connector files. Only tests import it. It holds no
// global state.
package testkit

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// Bucket is the bucket NewFake creates.
const Bucket = "bucket"

// Clock is a manual clock for TTL tests; it is not safe for concurrent
// use (tests advance it between calls).
type Clock struct{ now time.Time }

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Unix(1700000000, 0)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.now }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// NewFake returns a Fake holding Bucket, and a counter in front of it.
func NewFake(t testing.TB) (*remote.Fake, *remote.Counting) {
	t.Helper()
	fake := remote.NewFake()
	if err := fake.CreateBucket(context.Background(), Bucket); err != nil {
		t.Fatal(err)
	}
	return fake, remote.NewCounting(fake)
}

// Put stores data at key in Bucket and returns its info.
func Put(t testing.TB, c remote.Client, key string, data []byte, meta map[string]string) remote.ObjectInfo {
	t.Helper()
	info, err := c.Put(context.Background(), remote.PutRequest{
		Bucket: Bucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: meta,
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

// Pattern returns n bytes that differ at every offset modulo 251 and with
// seed, so misplaced or mixed ranges are caught.
func Pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i%251) ^ seed
	}
	return b
}

// Connector parses a connectors file with one connector: label, access
// ("read" or "readwrite") and, when given, its paths.
func Connector(t testing.TB, label, access string, paths ...string) *acl.Connector {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "connectors:\n  - label: %s\n    credentials: default\n    access: %s\n", label, access)
	if len(paths) > 0 {
		b.WriteString("    paths:\n")
		for _, p := range paths {
			fmt.Fprintf(&b, "      - %q\n", p)
		}
	}
	f, err := acl.Parse([]byte(b.String()), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f.Connector(label)
}

// SeedKeys stores an object (its key as content) at each key of Bucket.
func SeedKeys(t testing.TB, c remote.Client, keys ...string) {
	t.Helper()
	for _, k := range keys {
		Put(t, c, k, []byte(k), nil)
	}
}

// ListAllKeys returns every key of Bucket that c lists, in listing order.
func ListAllKeys(t testing.TB, c remote.Client) []string {
	t.Helper()
	var keys []string
	req := remote.ListRequest{Bucket: Bucket}
	for {
		page, err := c.List(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			keys = append(keys, o.Key)
		}
		if page.NextToken == "" {
			break
		}
		req.Token = page.NextToken
	}
	return keys
}
