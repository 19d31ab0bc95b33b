package vfs

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// newDiskFS is a tree over a fresh Fake with a disk tier, statTTL for
// attributes, and mod applied to its config.
func newDiskFS(t *testing.T, statTTL time.Duration, mod func(*Config)) core {
	t.Helper()
	fake, counting := newFake(t)
	cfg := Config{
		Source:    Source{Bucket: testBucket},
		BlockSize: testBlock,
		StatTTL:   statTTL,
		ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: NoReadahead,
			DiskDir: t.TempDir(), DiskBytes: 256 * testBlock, Passthrough: true},
		Write: WriteConfig{PartSize: remote.MinPartSize, Concurrency: 2,
			BufferBytes: 4 * remote.MinPartSize, StageDir: t.TempDir()},
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	return core{fake: fake, count: counting, fsys: fsys}
}

// readAll reads the whole file through h and waits for the cache's disk
// writes.
func readAllH(t *testing.T, c core, h *ReadHandle, size int) {
	t.Helper()
	if got := readAt(t, h, 0, size); len(got) != size {
		t.Fatalf("read %d bytes, want %d", len(got), size)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.fsys.blocks.Stats().DiskBlocks < int64((size+testBlock-1)/testBlock) {
		if time.Now().After(deadline) {
			t.Fatal("blocks never reached the disk tier")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wholeBytes(t *testing.T, h *ReadHandle) []byte {
	t.Helper()
	f := h.Whole()
	if f == nil {
		t.Fatal("no whole file")
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// An open is offered the object's cache file only when every block is on
// disk; the file holds exactly the object's bytes.
func TestOpenOffersWholeFileOnlyWhenFullyCached(t *testing.T) {
	c := newDiskFS(t, time.Hour, func(cfg *Config) { cfg.ReadCache.WholeMax = NoWhole })
	data := pattern(3*testBlock+77, 5)
	put(t, c.fake, "f", data, nil)
	f := lookupFile(t, c.fsys.Root(), "f")

	h := openRead(t, f)
	if h.Whole() != nil {
		t.Fatal("uncached object offered a whole file")
	}
	readAt(t, h, 0, 100) // one block only
	h.Release(context.Background())
	h = openRead(t, f)
	if h.Whole() != nil {
		t.Fatal("partly cached object offered a whole file")
	}
	readAllH(t, c, h, len(data))
	h.Release(context.Background())

	h = openRead(t, f)
	defer h.Release(context.Background())
	if got := wholeBytes(t, h); !bytes.Equal(got, data) {
		t.Fatalf("whole file differs from the object (%d bytes, want %d)", len(got), len(data))
	}
	if s := c.fsys.CacheStats().Blocks; s.WholeOpens != 1 {
		t.Fatalf("whole opens %d", s.WholeOpens)
	}
}

// With WholeMax, the first random read of a small object fetches all of
// it; a read at its start (head, file) fetches only what readahead asks.
func TestFirstReadFetchesSmallObjectWhole(t *testing.T) {
	c0 := newDiskFS(t, time.Hour, nil)
	put(t, c0.fake, "g", pattern(5*testBlock+3, 7), nil)
	g := openRead(t, lookupFile(t, c0.fsys.Root(), "g"))
	readAt(t, g, 0, 10) // the start: sequential
	g.Release(context.Background())
	time.Sleep(50 * time.Millisecond)
	if n := c0.count.Count(remote.OpGet); n != 1 {
		t.Fatalf("a read at the start of a small object sent %d GETs, want 1", n)
	}
	if n := c0.fsys.blocks.Stats().DiskBlocks; n > 1 {
		t.Fatalf("a read at the start of a small object cached %d blocks, want 1", n)
	}

	c := newDiskFS(t, time.Hour, nil)
	data := pattern(5*testBlock+3, 6)
	put(t, c.fake, "f", data, nil)
	f := lookupFile(t, c.fsys.Root(), "f")
	h := openRead(t, f)
	readAt(t, h, 2*testBlock+10, 10) // one random read
	h.Release(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for c.fsys.blocks.Stats().DiskBlocks < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("after one read: %d blocks on disk, want all 6", c.fsys.blocks.Stats().DiskBlocks)
		}
		time.Sleep(5 * time.Millisecond)
	}
	h = openRead(t, f)
	defer h.Release(context.Background())
	if got := wholeBytes(t, h); !bytes.Equal(got, data) {
		t.Fatal("whole file differs")
	}
}

// A new version is never served by the old version's cache file: after
// the TTL, an open pins the new ETag, which is not cached.
func TestChangedObjectGetsNoOldWholeFile(t *testing.T) {
	c := newDiskFS(t, time.Millisecond, func(cfg *Config) { cfg.ReadCache.WholeMax = NoWhole })
	old := pattern(2*testBlock, 7)
	put(t, c.fake, "f", old, nil)
	f := lookupFile(t, c.fsys.Root(), "f")
	h := openRead(t, f)
	readAllH(t, c, h, len(old))
	h.Release(context.Background())
	put(t, c.fake, "f", pattern(2*testBlock, 8), nil)
	time.Sleep(5 * time.Millisecond)
	h = openRead(t, f)
	defer h.Release(context.Background())
	if h.Whole() != nil {
		t.Fatal("the new version was offered the old version's cache file")
	}
}

func TestPassthroughOff(t *testing.T) {
	for name, mod := range map[string]func(*FS){
		"flag":    nil,
		"adapter": func(f *FS) { f.DisablePassthrough() },
	} {
		t.Run(name, func(t *testing.T) {
			c := newDiskFS(t, time.Hour, func(cfg *Config) { cfg.ReadCache.Passthrough = mod != nil })
			if mod != nil {
				mod(c.fsys)
			}
			data := pattern(testBlock+1, 9)
			put(t, c.fake, "f", data, nil)
			f := lookupFile(t, c.fsys.Root(), "f")
			h := openRead(t, f)
			readAllH(t, c, h, len(data))
			h.Release(context.Background())
			h = openRead(t, f)
			defer h.Release(context.Background())
			if h.Whole() != nil {
				t.Fatal("whole file offered with passthrough off")
			}
		})
	}
}
