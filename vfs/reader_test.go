package vfs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

const testBlock = 64 << 10

// newReaderFS returns an FS over c with testBlock blocks, a memory tier of
// 64 blocks and readahead up to 16 blocks, changed by mod.
func newReaderFS(t *testing.T, c remote.Client, mod func(*Config)) *FS {
	t.Helper()
	cfg := Config{
		Source:    Source{Bucket: testBucket},
		BlockSize: testBlock,
		ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: 16 * testBlock},
		Logger:    slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	return fsys
}

// openReader pins key's current version, as an open does.
func openReader(t *testing.T, fsys *FS, key string) *reader {
	t.Helper()
	info, err := fsys.client.Head(context.Background(), testBucket, key)
	if err != nil {
		t.Fatal(err)
	}
	return newReader(fsys, object{bucket: testBucket, key: key, etag: info.ETag, size: info.Size})
}

// readSeq reads the whole object in kernel-sized requests.
func readSeq(t *testing.T, r *reader, unit int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, unit)
	for off := int64(0); ; {
		n, err := r.ReadAt(context.Background(), buf, off)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return got
		}
		got = append(got, buf[:n]...)
		off += int64(n)
	}
}

func TestReaderSequential(t *testing.T) {
	fake, _ := newFake(t)
	size := int64(3*testBlock + testBlock/2)
	data := pattern(int(size), 1)
	put(t, fake, "f", data, nil)
	rec := &recordingClient{Client: fake}
	r := openReader(t, newReaderFS(t, rec, nil), "f")
	if got := readSeq(t, r, 16<<10); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	// Block 0 on demand, block 1 ahead, then blocks 2 and 3 in one GET.
	want := []span{{0, testBlock}, {testBlock, 2 * testBlock}, {2 * testBlock, size}}
	if got := rec.gets(); !slices.Equal(got, want) {
		t.Fatalf("GETs %v, want %v", got, want)
	}
}

func TestReaderBoundariesAndEOF(t *testing.T) {
	fake, counting := newFake(t)
	size := 2*testBlock + 100
	data := pattern(size, 2)
	put(t, fake, "f", data, nil)
	r := openReader(t, newReaderFS(t, counting, nil), "f")
	ctx := context.Background()
	tests := []struct {
		off, n int64
		want   int64 // bytes returned
	}{
		{testBlock - 10, 20, 20},           // straddles blocks 0 and 1
		{0, int64(size) + 50, int64(size)}, // whole object, clamped
		{int64(size) - 30, 100, 30},        // crosses the end
		{int64(size), 10, 0},               // at the end
		{int64(size) + 1000, 10, 0},        // past the end
		{2 * testBlock, 100, 100},          // the short last block exactly
	}
	for _, tt := range tests {
		buf := make([]byte, tt.n)
		n, err := r.ReadAt(ctx, buf, tt.off)
		if err != nil || int64(n) != tt.want {
			t.Fatalf("ReadAt(off %d, %d) = %d, %v; want %d", tt.off, tt.n, n, err, tt.want)
		}
		if n > 0 && !bytes.Equal(buf[:n], data[tt.off:tt.off+int64(n)]) {
			t.Fatalf("ReadAt(off %d, %d): wrong bytes", tt.off, tt.n)
		}
	}
	if _, err := r.ReadAt(ctx, make([]byte, 1), -1); err == nil {
		t.Fatal("negative offset accepted")
	}
}

func TestReaderEmptyObjectNoGet(t *testing.T) {
	fake, counting := newFake(t)
	put(t, fake, "empty", nil, nil)
	r := openReader(t, newReaderFS(t, counting, nil), "empty")
	n, err := r.ReadAt(context.Background(), make([]byte, 4096), 0)
	if n != 0 || err != nil {
		t.Fatalf("read of empty object: %d, %v", n, err)
	}
	if gets := counting.Count(remote.OpGet); gets != 0 {
		t.Fatalf("%d GETs for an empty object", gets)
	}
}

func TestReaderPinsETag(t *testing.T) {
	fake, counting := newFake(t)
	old := pattern(3*testBlock, 3)
	put(t, fake, "f", old, nil)
	fsys := newReaderFS(t, counting, func(c *Config) { c.ReadCache.ReadaheadMax = NoReadahead })
	r := openReader(t, fsys, "f")
	ctx := context.Background()
	buf := make([]byte, 100)
	if _, err := r.ReadAt(ctx, buf, 0); err != nil {
		t.Fatal(err)
	}
	put(t, fake, "f", pattern(3*testBlock, 4), nil) // overwritten, same size

	// The cached block is of the pinned version: still served.
	if n, err := r.ReadAt(ctx, buf, 10); err != nil || !bytes.Equal(buf[:n], old[10:110]) {
		t.Fatalf("cached block: %d, %v", n, err)
	}
	// The next uncached read fails: never bytes of the new version.
	n, err := r.ReadAt(ctx, buf, 2*testBlock)
	if !errors.Is(err, remote.ErrPreconditionFailed) || n != 0 {
		t.Fatalf("uncached read after overwrite: %d, %v", n, err)
	}
	// A read straddling a cached and a missing block fails as a whole.
	if n, err := r.ReadAt(ctx, make([]byte, 200), testBlock-100); err == nil {
		t.Fatalf("straddling read returned %d bytes after overwrite", n)
	}
	// A handle pinning the new version never gets the old cached block.
	fresh := openReader(t, fsys, "f")
	if n, err := fresh.ReadAt(ctx, buf, 0); err != nil || !bytes.Equal(buf[:n], pattern(3*testBlock, 4)[:100]) {
		t.Fatalf("new version's first block: %d, %v", n, err)
	}
}

func TestReaderRetriesFailedBlock(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(100, 5)
	put(t, fake, "f", data, nil)
	r := openReader(t, newReaderFS(t, counting, nil), "f")
	fake.FailNext(remote.OpGet, remote.ErrTransient, 1)
	if _, err := r.ReadAt(context.Background(), make([]byte, 10), 0); !errors.Is(err, remote.ErrTransient) {
		t.Fatalf("want the transient error, got %v", err)
	}
	buf := make([]byte, 10)
	if n, err := r.ReadAt(context.Background(), buf, 0); err != nil || !bytes.Equal(buf[:n], data[:10]) {
		t.Fatalf("retry: %d %v", n, err)
	}
}

// An interrupted read returns at once; the fetch carries on and the
// retried read uses it: one GET in all.
func TestReaderInterruptKeepsFetch(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(1000, 6)
	put(t, fake, "f", data, nil)
	r := openReader(t, newReaderFS(t, counting, nil), "f")
	release := make(chan struct{})
	fake.SetHook(remote.OpGet, func(ctx context.Context, op string) error {
		<-release
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := r.ReadAt(ctx, make([]byte, 10), 0)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) { // EINTR
			t.Fatalf("interrupted read: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("interrupted read did not return")
	}
	close(release)
	buf := make([]byte, 10)
	if n, err := r.ReadAt(context.Background(), buf, 500); err != nil || !bytes.Equal(buf[:n], data[500:510]) {
		t.Fatalf("retry: %d %v", n, err)
	}
	if gets := counting.Count(remote.OpGet); gets != 1 {
		t.Fatalf("%d GETs, want 1", gets)
	}
}

// Concurrent readers of one block, through one handle or several, cause
// one GET.
func TestReaderConcurrentSameBlock(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(testBlock, 7)
	put(t, fake, "f", data, nil)
	fsys := newReaderFS(t, counting, nil)
	readers := []*reader{openReader(t, fsys, "f"), openReader(t, fsys, "f")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			buf := make([]byte, 1000)
			off := int64(i * 1000)
			if n, err := readers[i%2].ReadAt(context.Background(), buf, off); err != nil || !bytes.Equal(buf[:n], data[off:off+1000]) {
				t.Errorf("reader %d: %d %v", i, n, err)
			}
		})
	}
	wg.Wait()
	if gets := counting.Count(remote.OpGet); gets != 1 {
		t.Fatalf("%d GETs, want 1", gets)
	}
}

// A second open of the same version reads from the shared cache.
func TestReaderSharesCacheAcrossOpens(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(5*testBlock, 8)
	put(t, fake, "f", data, nil)
	fsys := newReaderFS(t, counting, nil)
	readSeq(t, openReader(t, fsys, "f"), 32<<10)
	time.Sleep(10 * time.Millisecond)
	gets := counting.Count(remote.OpGet)
	if got := readSeq(t, openReader(t, fsys, "f"), 128<<10); !bytes.Equal(got, data) {
		t.Fatal("second open: content differs")
	}
	time.Sleep(10 * time.Millisecond)
	if more := counting.Count(remote.OpGet) - gets; more != 0 {
		t.Fatalf("the second open sent %d GETs, want none", more)
	}
}

// Trees sharing a block cache (one per connector) share its blocks, and
// closing one tree leaves the cache to the others.
func TestSharedBlockCache(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(3*testBlock, 13)
	put(t, fake, "f", data, nil)
	shared, err := NewBlockCache(Config{BlockSize: testBlock, ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock}})
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	mod := func(c *Config) { c.Blocks = shared }
	a, b := newReaderFS(t, counting, mod), newReaderFS(t, counting, mod)
	readSeq(t, openReader(t, a, "f"), testBlock)
	time.Sleep(10 * time.Millisecond)
	gets := counting.Count(remote.OpGet)
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readSeq(t, openReader(t, b, "f"), testBlock); !bytes.Equal(got, data) {
		t.Fatal("content differs through the second tree")
	}
	if more := counting.Count(remote.OpGet) - gets; more != 0 {
		t.Fatalf("the second tree sent %d GETs for blocks the first one cached", more)
	}
}

// Read hands out the cached block itself for a range inside one block, and
// a copy in p for a range across blocks; both are the object's bytes. (A
// read of a block nobody has is a copy: it is streamed, see
// TestReaderStreamsColdBlock.)
func TestReaderReadSharesBlocks(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(3*testBlock+100, 14)
	put(t, fake, "f", data, nil)
	r := openReader(t, newReaderFS(t, counting, nil), "f")
	ctx := context.Background()
	if n, err := r.ReadAt(ctx, make([]byte, len(data)), 0); err != nil || n != len(data) {
		t.Fatalf("reading it whole first: %d, %v", n, err)
	}
	for _, tt := range []struct {
		off, n int64
		shared bool
	}{
		{10, 4096, true},                // inside block 0
		{testBlock - 100, 200, false},   // across blocks 0 and 1
		{3 * testBlock, 4096, true},     // the short last block, clamped to 100
		{2*testBlock + 5, 200, true},    // inside block 2
		{2*testBlock + 5, 65536, false}, // blocks 2 and 3
	} {
		p := make([]byte, tt.n)
		got, release, err := r.Read(ctx, p, tt.off)
		if err != nil {
			t.Fatalf("Read(%d, %d): %v", tt.off, tt.n, err)
		}
		want := data[tt.off:min(tt.off+tt.n, int64(len(data)))]
		if !bytes.Equal(got, want) {
			t.Fatalf("Read(%d, %d): wrong bytes", tt.off, tt.n)
		}
		if shared := &got[0] != &p[0]; shared != tt.shared || shared != (release != nil) {
			t.Errorf("Read(%d, %d): shared %v, release %v, want shared %v", tt.off, tt.n, shared, release != nil, tt.shared)
		}
		if release != nil {
			release()
		}
	}
	if got, release, err := r.Read(ctx, make([]byte, 10), int64(len(data))); err != nil || len(got) != 0 || release != nil {
		t.Fatalf("Read at the end: %d bytes, %v", len(got), err)
	}
}
