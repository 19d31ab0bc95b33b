package vfs

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// opaqueMarkers hands out ListObjectVersions markers that are not keys,
// as MinIO does ("KEY[minio_cache:v2,id:…]"), and takes them back: the
// Versions contract is to pass NextKeyMarker back, never to read a key
// out of it.
type opaqueMarkers struct{ remote.Client }

const opaqueSuffix = "[opaque:v1]"

func (o opaqueMarkers) ListVersions(ctx context.Context, req remote.ListVersionsRequest) (remote.VersionPage, error) {
	req.KeyMarker = strings.TrimSuffix(req.KeyMarker, opaqueSuffix)
	p, err := o.Client.ListVersions(ctx, req)
	if p.NextKeyMarker != "" {
		p.NextKeyMarker += opaqueSuffix
	}
	return p, err
}

// TestAsOfManyVersionsOpaqueMarkers: a key with more versions since the
// time than a versions page holds is found as of the time by a lookup
// (no listing first) on a server whose markers are not keys (MinIO).
func TestAsOfManyVersionsOpaqueMarkers(t *testing.T) {
	fake, count := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	old := []byte("the version of the time")
	put(t, fake, "k", old, nil)
	at := clock.Now()
	for range listPageSize + 5 {
		clock.Advance(time.Millisecond)
		put(t, fake, "k", []byte("later"), nil)
	}
	fsys := newTreeOver(t, opaqueMarkers{count}, func(c *Config) { c.AsOf = at })
	f := lookupFile(t, fsys.Root(), "k")
	if got := readAll(t, f); !bytes.Equal(got, old) {
		t.Fatalf("read %q, want the version of the time %q", got, old)
	}
}
