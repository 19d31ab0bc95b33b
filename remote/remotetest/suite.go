package remotetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// NewClient returns a client and an empty bucket for one subtest.
type NewClient func(t *testing.T) (remote.Client, string)

// callTimeout bounds every subtest's calls, so a hang fails instead of
// stalling the test binary.
const callTimeout = 2 * time.Minute

// Run runs the whole conformance suite against the clients newClient
// returns.
func Run(t *testing.T, newClient NewClient) {
	groups := []struct {
		name  string
		tests map[string]func(*testing.T, *env)
	}{
		{"Object", objectTests},
		{"Key", keyTests},
		{"List", listTests},
		{"Bucket", bucketTests},
		{"Multipart", multipartTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, name := range sortedNames(g.tests) {
				test := g.tests[name]
				t.Run(name, func(t *testing.T) {
					c, bucket := newClient(t)
					ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
					defer cancel()
					test(t, &env{t: t, c: c, bucket: bucket, ctx: ctx})
				})
			}
		})
	}
}

// env is what one subtest works with, plus helpers that fail it on error.
type env struct {
	t      *testing.T
	c      remote.Client
	bucket string
	ctx    context.Context
}

func (e *env) put(key string, data []byte, meta map[string]string) remote.ObjectInfo {
	e.t.Helper()
	info, err := e.c.Put(e.ctx, remote.PutRequest{Bucket: e.bucket, Key: key,
		Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: meta})
	if err != nil {
		e.t.Fatalf("Put %q: %v", key, err)
	}
	return info
}

func (e *env) head(key string) remote.ObjectInfo {
	e.t.Helper()
	info, err := e.c.Head(e.ctx, e.bucket, key)
	if err != nil {
		e.t.Fatalf("Head %q: %v", key, err)
	}
	return info
}

// read returns the bytes of a Get, or its error.
func (e *env) read(req remote.GetRequest) ([]byte, error) {
	if req.Bucket == "" {
		req.Bucket = e.bucket
	}
	rc, err := e.c.Get(e.ctx, req)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (e *env) mustRead(req remote.GetRequest) []byte {
	e.t.Helper()
	data, err := e.read(req)
	if err != nil {
		e.t.Fatalf("Get %q [%d, +%d): %v", req.Key, req.Offset, req.Length, err)
	}
	return data
}

// wantErr fails unless err wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes %.40q, want %d bytes %.40q", what, len(got), got, len(want), want)
	}
}

// pattern returns n deterministic bytes that differ with seed, so that a
// misplaced range or part shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i/251) ^ seed
	}
	return b
}

// md5ETag is S3's ETag of a single-part object.
func md5ETag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func sortedNames(m map[string]func(*testing.T, *env)) []string {
	return slices.Sorted(maps.Keys(m))
}
