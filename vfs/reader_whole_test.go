package vfs

import (
	"context"
	"testing"
	"time"

	"github.com/objfs/objfs/cache"
)

// The whole-object fetch is for objects the disk tier can keep: one that
// would take more than a quarter of its budget (here: more than all of
// it) is read as any other, block by block, instead of streaming every
// block through the cache and evicting the rest of it (and its own first
// blocks) for one random read.
func TestWholeFetchOnlyForObjectsTheDiskTierHolds(t *testing.T) {
	c := newDiskFS(t, time.Hour, func(cfg *Config) { cfg.ReadCache.DiskBytes = 8 * testBlock })
	if c.fsys.cfg.ReadCache.WholeMax < 12*testBlock {
		t.Fatalf("test needs WholeMax above the object: %d", c.fsys.cfg.ReadCache.WholeMax)
	}
	put(t, c.fake, "big", pattern(12*testBlock, 3), nil)
	h := openRead(t, lookupFile(t, c.fsys.Root(), "big"))
	defer h.Release(context.Background())
	readAt(t, h, 6*testBlock+10, 10) // a random read
	if s := c.fsys.blocks.Stats(); s.Runs != 0 {
		t.Fatalf("a random read of an object larger than the disk budget started %d whole-object runs", s.Runs)
	}

	// One that fits in a quarter of the budget is still fetched whole.
	put(t, c.fake, "small", pattern(2*testBlock, 4), nil)
	g := openRead(t, lookupFile(t, c.fsys.Root(), "small"))
	defer g.Release(context.Background())
	readAt(t, g, testBlock+10, 10)
	if s := c.fsys.blocks.Stats(); s.Runs == 0 {
		t.Fatal("a small object was not fetched whole")
	}
}

// A whole-object fetch that finds no prefetch slot free (other files'
// readahead holds them) is not given up: a later random read of the
// object asks again, until all of it is covered.
func TestWholeFetchResumesWhenSlotsWereBusy(t *testing.T) {
	c := newDiskFS(t, time.Hour, func(cfg *Config) { cfg.ReadCache.MaxPrefetch = 1 })
	data := pattern(6*testBlock, 8)
	put(t, c.fake, "f", data, nil)
	h := openRead(t, lookupFile(t, c.fsys.Root(), "f"))
	defer h.Release(context.Background())

	gate := make(chan struct{})
	busy := cache.BlockKey{Bucket: testBucket, Key: "other", ETag: "x", Index: 0}
	if !c.fsys.blocks.Prefetch(busy, func(ctx context.Context) ([]byte, error) {
		<-gate
		return []byte("other"), nil
	}) {
		t.Fatal("could not take the only prefetch slot")
	}
	readAt(t, h, 3*testBlock+10, 10) // a random read while the slot is taken
	if s := c.fsys.blocks.Stats(); s.Runs != 0 {
		t.Fatalf("a run started with no slot free: %+v", s)
	}
	close(gate)

	deadline := time.Now().Add(10 * time.Second)
	for off := int64(0); c.fsys.blocks.Stats().Runs == 0; off++ {
		if time.Now().After(deadline) {
			t.Fatalf("random reads after the slot was free never resumed the whole fetch: %+v", c.fsys.blocks.Stats())
		}
		readAt(t, h, (off%2+1)*testBlock+off%100, 10) // random, not a stream from the start
		time.Sleep(2 * time.Millisecond)
	}
}
