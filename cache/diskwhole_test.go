package cache

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// MissingOnDisk offers an object for a top-up only if all of it fits the
// disk budget: its blocks, their index entries and its index header. With
// one byte less, a top-up could never make it whole: each block it
// fetched would evict another of the same object (the least recently
// used), and every full read would send those GETs again.
func TestMissingOnDiskOnlyForObjectsThatFit(t *testing.T) {
	const bs, n = 1000, 4
	const size = n*bs - 100
	hdr, err := encodeIdxHeader("bkt", "obj", "e1", bs)
	if err != nil {
		t.Fatal(err)
	}
	whole := int64(size + n*idxEntryLen + len(hdr)) // the object's cost on disk
	for _, tc := range []struct {
		budget int64
		want   []int64
	}{{whole, []int64{n - 1}}, {whole - 1, nil}} {
		b := newTestBlocks(t, BlockConfig{BlockSize: bs, MemBytes: 100_000, DiskDir: t.TempDir(), DiskBytes: tc.budget})
		f := newFetcher(func(k BlockKey) int { return min(bs, size-int(k.Index)*bs) })
		for i := range int64(n - 1) {
			k := key("obj", "e1", i)
			mustGet(t, b, k, f.For(k))
			waitFor(t, func() bool { return !b.inFlight(k) })
		}
		if s := b.Stats(); s.DiskBlocks != n-1 {
			t.Fatalf("budget %d: %d blocks on disk, want %d", tc.budget, s.DiskBlocks, n-1)
		}
		if got := b.MissingOnDisk("bkt", "obj", "e1", size); !slices.Equal(got, tc.want) {
			t.Errorf("budget %d (the whole object costs %d): missing %v, want %v", tc.budget, whole, got, tc.want)
		}
	}
}

// The blocks of an object being completed on disk are not the ones
// evicted to make room for its missing blocks: reads served from memory
// leave the disk tier's recency alone, so the object read again (here: A,
// after B pushed its first block out) is older there than objects read
// after it, and each block fetched for it evicted the next of its own,
// leaving it never whole. MissingOnDisk refreshes the recency of the
// blocks it finds present.
func TestMissingOnDiskKeepsTheObjectsOwnBlocks(t *testing.T) {
	const bs, n = 1000, 4
	hdr, err := encodeIdxHeader("bkt", "A", "e1", bs)
	if err != nil {
		t.Fatal(err)
	}
	perObject := int64(n*(bs+idxEntryLen) + len(hdr))
	// Room for A whole and B less one block, with both headers.
	b := newTestBlocks(t, BlockConfig{BlockSize: bs, MemBytes: 2 * bs, DiskDir: t.TempDir(), DiskBytes: 2*perObject - bs - idxEntryLen})
	f := newFetcher(func(BlockKey) int { return bs })
	get := func(name string, i int64) {
		k := key(name, "e1", i)
		mustGet(t, b, k, f.For(k))
		waitFor(t, func() bool { return !b.inFlight(k) })
	}
	for _, name := range []string{"A", "B"} {
		for i := range int64(n) {
			get(name, i)
		}
	}
	missing := b.MissingOnDisk("bkt", "A", "e1", n*bs)
	if !slices.Equal(missing, []int64{0}) {
		t.Fatalf("A misses %v on disk, want [0] (evicted by B)", missing)
	}
	get("A", 0) // the top-up
	if w := b.OpenWhole("bkt", "A", "e1", n*bs); w == nil {
		t.Fatalf("A is not whole on disk after its top-up: missing %v", b.MissingOnDisk("bkt", "A", "e1", n*bs))
	} else {
		w.Close()
	}
}

// SaveToDisk with its context done (an unmount under way) neither writes
// nor fetches: a top-up of a large object would otherwise keep the
// unmount waiting for its writes, and start a GET only to drop it.
func TestSaveToDiskStopsWithItsContext(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 1000, MemBytes: 100_000, DiskDir: t.TempDir(), DiskBytes: 1 << 20})
	f := newFetcher(func(BlockKey) int { return 1000 })
	inMem := key("obj", "e1", 0)
	mustGet(t, b, inMem, f.For(inMem))
	waitFor(t, func() bool { return !b.inFlight(inMem) })
	b.disk.mu.Lock()
	b.disk.evictLocked(b.disk.budget) // off the disk, still in memory
	b.disk.mu.Unlock()
	if b.disk.contains(inMem) || !b.mem.contains(inMem) {
		t.Fatal("setup: the block should be in memory only")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, k := range []BlockKey{inMem, key("obj", "e1", 1)} {
		if _, err := b.SaveToDisk(ctx, k, f.For(k)); !errors.Is(err, context.Canceled) {
			t.Errorf("block %d: SaveToDisk with a done context: %v, want context.Canceled", k.Index, err)
		}
	}
	if got := f.total.Load(); got != 1 {
		t.Errorf("%d fetches, want 1 (the setup's)", got)
	}
	if b.disk.contains(inMem) {
		t.Error("a block was written with the context done")
	}
}
