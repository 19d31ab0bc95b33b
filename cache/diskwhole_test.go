package cache

import (
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
