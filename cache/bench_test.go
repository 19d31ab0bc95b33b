package cache

import (
	"context"
	"fmt"
	"testing"
	"time"
)

const benchBlock = 1 << 20

func BenchmarkGetMemoryHit(b *testing.B) {
	c := newTestBlocks(b, BlockConfig{BlockSize: benchBlock, MemBytes: 64 * benchBlock})
	f := newFetcher(func(BlockKey) int { return benchBlock })
	keys := make([]BlockKey, 32)
	fetches := make([]FetchFunc, len(keys))
	for i := range keys {
		keys[i] = key("obj", "e", int64(i))
		fetches[i] = f.For(keys[i])
		mustGet(b, c, keys[i], fetches[i])
	}
	b.SetBytes(benchBlock)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k := keys[i%len(keys)]
			if _, err := c.Get(context.Background(), k, fetches[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkGetDiskHit reads 1 MiB blocks from the disk tier (page cache
// warm): the memory tier holds one block, so every Get goes to disk.
func BenchmarkGetDiskHit(b *testing.B) {
	dir := b.TempDir()
	cfg := BlockConfig{BlockSize: benchBlock, MemBytes: benchBlock, DiskDir: dir, DiskBytes: 128 * benchBlock, Logger: quietLogger()}
	f := newFetcher(func(BlockKey) int { return benchBlock })
	keys := make([]BlockKey, 32)
	c := newTestBlocks(b, cfg)
	for i := range keys {
		keys[i] = key("obj", "e", int64(i))
		mustGet(b, c, keys[i], f.For(keys[i]))
	}
	c.Close()
	c = newTestBlocks(b, cfg)
	b.SetBytes(benchBlock)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := keys[i%len(keys)]
		if _, err := c.Get(context.Background(), k, mustNotFetch(b, k)); err != nil {
			b.Fatal(err)
		}
	}
	if s := c.Stats(); s.Fetches != 0 {
		b.Fatalf("disk hit benchmark fetched: %+v", s)
	}
}

// BenchmarkGetMiss is the caller-visible cost of a miss whose fetch is
// instant, without a disk tier and with one using 1 or 4 writers. The disk
// write happens after the waiters are released; what it can still cost a
// reader is CPU and scheduler Ps held by goroutines blocked in write(2).
// With a fetch of 4 ms per MiB (250 MB/s, a plausible network), it shows
// how much of a cold read the disk tier keeps up with. written/op is the
// fraction of blocks that reached the disk (the rest
// were skipped because the write queue was full).
func BenchmarkGetMiss(b *testing.B) {
	payload := make([]byte, benchBlock)
	for _, bc := range []struct {
		writers int
		delay   time.Duration
	}{{0, 0}, {1, 0}, {4, 0}, {0, 4 * time.Millisecond}, {1, 4 * time.Millisecond}, {2, 4 * time.Millisecond}} {
		writers := bc.writers
		fetch := func(context.Context) ([]byte, error) { time.Sleep(bc.delay); return payload, nil }
		b.Run(fmt.Sprintf("diskwriters=%d/fetch=%v", writers, bc.delay), func(b *testing.B) {
			cfg := BlockConfig{BlockSize: benchBlock, MemBytes: 64 * benchBlock, DiskBytes: 256 * benchBlock,
				DiskWriters: writers, DiskWriteQueue: 32}
			if writers > 0 {
				cfg.DiskDir = b.TempDir()
			}
			c := newTestBlocks(b, cfg)
			b.SetBytes(benchBlock)
			n := 0
			for i := 0; b.Loop(); i++ {
				if _, err := c.Get(context.Background(), key("obj", "e", int64(i)), fetch); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if writers > 0 {
				b.ReportMetric(1-float64(c.Stats().DiskWritesSkipped)/float64(n), "written/op")
			}
		})
	}
}

// BenchmarkDiskStore is the cost of writing one 1 MiB block file (what a
// synchronous disk tier would add to every miss).
func BenchmarkDiskStore(b *testing.B) {
	cfg := BlockConfig{BlockSize: benchBlock, DiskDir: b.TempDir(), DiskBytes: 256 * benchBlock}
	c := newTestBlocks(b, cfg)
	data := make([]byte, benchBlock)
	b.SetBytes(benchBlock)
	for i := 0; b.Loop(); i++ {
		c.disk.store(key("obj", "e", int64(i)), data)
	}
}

func BenchmarkListingLookup100k(b *testing.B) {
	entries := syntheticEntries(100_000)
	l, _ := NewListing(entries)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := l.Lookup(entries[(i*7919)%len(entries)].Name); !ok {
			b.Fatal("missing")
		}
	}
}

func BenchmarkNewListing100k(b *testing.B) {
	entries := syntheticEntries(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewListing(entries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpsert100k is the copy-on-write cost of a write through the
// mount into a cached 100,000-entry directory.
func BenchmarkUpsert100k(b *testing.B) {
	m, err := NewMeta(DefaultMetaConfig())
	if err != nil {
		b.Fatal(err)
	}
	l, _ := NewListing(syntheticEntries(100_000))
	m.PutDir("bkt", "data/", l)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Upsert("bkt", fmt.Sprintf("data/new-%d", i%1000), Entry{Size: 1})
	}
}

func BenchmarkGetStatFromListing(b *testing.B) {
	m, _ := NewMeta(DefaultMetaConfig())
	entries := syntheticEntries(100_000)
	l, _ := NewListing(entries)
	m.PutDir("bkt", "data/", l)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "data/" + entries[i*97].Name
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if st, ok := m.GetStat("bkt", keys[i%len(keys)]); !ok || !st.Exists {
			b.Fatal("miss")
		}
	}
}
