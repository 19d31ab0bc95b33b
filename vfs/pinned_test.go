package vfs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// logBuf is a concurrency-safe log sink for tests.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pinnedFS is a readwrite connector tree over a versioned Fake bucket
// whose data/k is pinned to its first version v1 (3000 bytes); the key
// is then overwritten with 5000 bytes.
func pinnedFS(t *testing.T) (fsys *FS, fake *remote.Fake, count *remote.Counting, v1 []byte, v1id string, logs *logBuf) {
	t.Helper()
	fake, count = newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	if err := fake.SetVersioning(testBucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	v1 = pattern(3000, 1)
	put(t, fake, "data/k", v1, nil)
	info, err := fake.Head(context.Background(), testBucket, "data/k")
	if err != nil {
		t.Fatal(err)
	}
	v1id = info.VersionID
	clock.Advance(time.Hour)
	put(t, fake, "data/k", pattern(5000, 2), nil)
	conn := testkit.Connector(t, "bundle", "readwrite", testBucket+"/data/k@"+v1id, testBucket+"/data/other/*")
	logs = &logBuf{}
	fsys = newTreeOver(t, count, func(c *Config) {
		c.Connector = conn
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	return fsys, fake, count, v1, v1id, logs
}

// TestPinnedKeyServesItsVersion: a pinned key shows and reads its pinned
// version after the key is overwritten and deleted, and every change of
// it is refused with nothing sent.
func TestPinnedKeyServesItsVersion(t *testing.T) {
	fsys, _, count, v1, _, _ := pinnedFS(t)
	ctx := context.Background()
	data := lookupDir(t, fsys.Root(), "data")
	if got := dirNames(t, data); !slices.Contains(got, "k") {
		t.Fatalf("data/: %q", got)
	}
	f := lookupFile(t, data, "k")
	a, err := f.Attr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != int64(len(v1)) || !a.Mtime.Equal(time.Unix(1700000000, 0)) {
		t.Fatalf("pinned data/k: size %d mtime %v, want v1's %d and its time", a.Size, a.Mtime, len(v1))
	}
	if got := readAll(t, f); !bytes.Equal(got, v1) {
		t.Fatalf("read %d bytes that are not v1", len(got))
	}

	count.Reset()
	_, _, errOpen := f.Open(ctx, 1 /* O_WRONLY */)
	errUnlink := data.Unlink(ctx, "k")
	for what, err := range map[string]error{"open for writing": errOpen, "unlink": errUnlink} {
		if !errors.Is(err, ErrReadOnly) && !errors.Is(err, remote.ErrReadOnly) {
			t.Errorf("%s of a pinned key: %v, want read-only", what, err)
		}
	}
	for op, n := range count.Snapshot() {
		if op == remote.OpPut || op == remote.OpDelete || op == remote.OpCopy || op == remote.OpCreateMultipart {
			t.Errorf("%d %s sent for a pinned key", n, op)
		}
	}
}

// TestPinnedKeyListedAfterDelete: a pinned key whose current object is
// deleted is still listed and read at its version.
func TestPinnedKeyListedAfterDelete(t *testing.T) {
	fsys, fake, _, v1, _, _ := pinnedFS(t)
	if err := fake.Delete(context.Background(), testBucket, "data/k"); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, fsys.Root()); !slices.Equal(got, []string{"data/"}) {
		t.Fatalf("root after delete: %q, want the directory of the pinned key", got)
	}
	data := lookupDir(t, fsys.Root(), "data")
	if got := dirNames(t, data); !slices.Equal(got, []string{"k", "other/"}) {
		t.Fatalf("data/ after delete: %q, want [k other/]", got)
	}
	if got := readAll(t, lookupFile(t, data, "k")); !bytes.Equal(got, v1) {
		t.Fatalf("read %d bytes that are not v1", len(got))
	}
}

// TestPinnedVersionGone: a pinned version deleted for good reads as an
// I/O error (not "no such file"), logged once with connector, key and
// version.
func TestPinnedVersionGone(t *testing.T) {
	fsys, fake, _, _, v1id, logs := pinnedFS(t)
	if err := fake.DeleteVersion(testBucket, "data/k", v1id); err != nil {
		t.Fatal(err)
	}
	data := lookupDir(t, fsys.Root(), "data")
	if got := dirNames(t, data); !slices.Contains(got, "k") {
		t.Fatalf("data/: %q: a pinned key whose version is gone must stay visible", got)
	}
	f := lookupFile(t, data, "k")
	h, _, err := f.Open(context.Background(), 0)
	if err == nil {
		var release func()
		_, release, err = h.(*ReadHandle).Read(context.Background(), make([]byte, 10), 0)
		if release != nil {
			release()
		}
		h.Release(context.Background())
	}
	if err == nil || errors.Is(err, remote.ErrNotFound) || !errors.Is(err, remote.ErrPinnedGone) {
		t.Fatalf("read of a gone pinned version: %v, want ErrPinnedGone (EIO)", err)
	}
	out := logs.String()
	if n := strings.Count(out, "pinned version "+v1id); n != 1 || !strings.Contains(out, `connector \"bundle\"`) || !strings.Contains(out, "data/k") {
		t.Fatalf("want one log line naming connector, key and version, got %d:\n%s", n, out)
	}
}
