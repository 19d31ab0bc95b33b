package vfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// Helpers of the core tests (core_*_test.go): they drive the vfs API
// directly against remote.Fake, as the FUSE adapter would, with no mount.

// core is a tree over a Fake: the Fake itself (to check what S3 holds
// without counting) and the counter the tree sends through.
type core struct {
	fake  *remote.Fake
	count *remote.Counting
	fsys  *FS
}

// newCoreFS returns a tree over a fresh Fake with testBlock blocks, no
// readahead (so a block not read yet is never fetched) and a staging
// directory of the test's own. With closeAtEnd the tree is closed by the
// test's cleanup.
func newCoreFS(t *testing.T, closeAtEnd bool) core {
	t.Helper()
	fake, counting := newFake(t)
	cfg := Config{
		Source:    Source{Bucket: testBucket},
		BlockSize: testBlock,
		ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: NoReadahead},
		Write: WriteConfig{
			PartSize: remote.MinPartSize, Concurrency: 2,
			BufferBytes: 4 * remote.MinPartSize, StageDir: t.TempDir(),
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if closeAtEnd {
		t.Cleanup(func() {
			if err := fsys.Close(context.Background()); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	return core{fake: fake, count: counting, fsys: fsys}
}

// newTreeOver returns a tree over client with the test defaults (bucket
// testBucket, testBlock blocks, no readahead, a staging directory of the
// test's own, no log) changed by mod, closed by the test's cleanup.
func newTreeOver(t *testing.T, client remote.Client, mod func(*Config)) *FS {
	t.Helper()
	cfg := Config{Source: Source{Bucket: testBucket},
		BlockSize: testBlock, ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: NoReadahead},
		Write:  WriteConfig{PartSize: remote.MinPartSize, Concurrency: 1, BufferBytes: 2 * remote.MinPartSize, StageDir: t.TempDir()},
		Logger: slog.New(slog.DiscardHandler)}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	return fsys
}

// stored returns what the Fake holds at key, and whether it holds it.
func stored(t *testing.T, fake *remote.Fake, key string) ([]byte, bool) {
	t.Helper()
	rc, err := fake.Get(context.Background(), remote.GetRequest{Bucket: testBucket, Key: key, Length: -1})
	if errors.Is(err, remote.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, true
}

// mustStore fails unless the Fake holds exactly want at key.
func mustStore(t *testing.T, fake *remote.Fake, key string, want []byte) {
	t.Helper()
	got, ok := stored(t, fake, key)
	if !ok {
		t.Fatalf("%s is not in S3", key)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes that differ from the %d expected", key, len(got), len(want))
	}
}

// mustNotStore fails if the Fake holds key.
func mustNotStore(t *testing.T, fake *remote.Fake, key string) {
	t.Helper()
	if _, ok := stored(t, fake, key); ok {
		t.Fatalf("%s is in S3", key)
	}
}

// lookupFile looks name up in d and fails unless it is a file.
func lookupFile(t *testing.T, d *Dir, name string) *File {
	t.Helper()
	n, err := d.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	f, ok := n.(*File)
	if !ok {
		t.Fatalf("lookup %s: %T, want a file", name, n)
	}
	return f
}

// lookupDir looks name up in d and fails unless it is a directory.
func lookupDir(t *testing.T, d *Dir, name string) *Dir {
	t.Helper()
	n, err := d.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	sub, ok := n.(*Dir)
	if !ok {
		t.Fatalf("lookup %s: %T, want a directory", name, n)
	}
	return sub
}

// mustNotExist fails unless a lookup of name in d is ErrNotExist.
func mustNotExist(t *testing.T, d *Dir, name string) {
	t.Helper()
	n, err := d.Lookup(context.Background(), name)
	if !errors.Is(err, ErrNotExist) {
		t.Fatalf("lookup %s: %v, %v; want ErrNotExist", name, n, err)
	}
}

// openRead opens f read-only and fails unless it is a *ReadHandle.
func openRead(t *testing.T, f *File) *ReadHandle {
	t.Helper()
	h, _, err := f.Open(context.Background(), syscall.O_RDONLY)
	if err != nil {
		t.Fatalf("open %s: %v", f.Path(), err)
	}
	rh, ok := h.(*ReadHandle)
	if !ok {
		t.Fatalf("open %s read-only: %T, want *ReadHandle", f.Path(), h)
	}
	return rh
}

// openWriteH opens f with flags (which may write) and fails unless it is a
// *WriteHandle.
func openWriteH(t *testing.T, f *File, flags int) *WriteHandle {
	t.Helper()
	h, _, err := f.Open(context.Background(), flags)
	if err != nil {
		t.Fatalf("open %s: %v", f.Path(), err)
	}
	wh, ok := h.(*WriteHandle)
	if !ok {
		t.Fatalf("open %s for writing: %T, want *WriteHandle", f.Path(), h)
	}
	return wh
}

// readAt reads n bytes at off through a read handle, as the kernel would
// (in requests of at most IOSize), and fails on a short read.
func readAt(t *testing.T, h *ReadHandle, off int64, n int) []byte {
	t.Helper()
	out := make([]byte, 0, n)
	for len(out) < n {
		buf := make([]byte, min(n-len(out), IOSize))
		data, release, err := h.Read(context.Background(), buf, off+int64(len(out)))
		if err != nil {
			t.Fatalf("read at %d: %v", off+int64(len(out)), err)
		}
		if len(data) == 0 {
			t.Fatalf("read at %d: end of file after %d of %d bytes", off+int64(len(out)), len(out), n)
		}
		out = append(out, data...)
		release()
	}
	return out
}

// readWH reads n bytes at off through a write handle.
func readWH(t *testing.T, h *WriteHandle, off int64, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	got, err := h.Read(context.Background(), buf, off)
	if err != nil {
		t.Fatalf("read at %d: %v", off, err)
	}
	return buf[:got]
}

// write writes data at off through h and fails on an error or a short
// write.
func write(t *testing.T, h *WriteHandle, data []byte, off int64) {
	t.Helper()
	n, err := h.Write(context.Background(), data, off)
	if err != nil || n != len(data) {
		t.Fatalf("write %d bytes at %d: %d, %v", len(data), off, n, err)
	}
}

// uploads counts the requests that store an object.
func uploads(c *remote.Counting) int64 {
	return c.Count(remote.OpPut) + c.Count(remote.OpCreateMultipart) + c.Count(remote.OpCopy)
}
