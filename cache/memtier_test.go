package cache

import (
	"bytes"
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// checkInvariant recomputes the tier's byte count from its entries.
func (m *memTier) checkInvariant() (counted, summed int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.lru.Values() {
		summed += v.size
	}
	return m.bytes, summed
}

func TestMemBudgetNeverExceededUnderConcurrentReaders(t *testing.T) {
	const blockSize, budget = 4096, 10*4096 + 1000 // not a whole number of blocks
	b := newTestBlocks(t, BlockConfig{BlockSize: blockSize, MemBytes: budget})
	// Lengths vary so the last-block case (short blocks) is exercised.
	length := func(k BlockKey) int { return int(k.Index*997%blockSize) + 1 }
	f := newFetcher(length)

	stop := make(chan struct{})
	var violations atomic.Int64
	var checker sync.WaitGroup
	checker.Add(1)
	go func() {
		defer checker.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			runtime.Gosched()
			counted, summed := b.mem.checkInvariant()
			if counted != summed || counted > budget || b.Stats().MemBytes > budget {
				violations.Add(1)
			}
		}
	}()

	var readers sync.WaitGroup
	var wrong atomic.Int64
	for g := range 16 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 200 {
				k := key("obj", "e", rng.Int64N(64))
				data, err := b.Get(context.Background(), k, f.For(k))
				if err != nil || !bytes.Equal(data, blockBytes(k, length(k))) {
					wrong.Add(1)
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	checker.Wait()
	if violations.Load() != 0 || wrong.Load() != 0 {
		t.Fatalf("%d budget violations, %d wrong reads", violations.Load(), wrong.Load())
	}
	s := b.Stats()
	if s.MemEvictions == 0 || s.MemBytes > budget {
		t.Fatalf("expected evictions within budget: %+v", s)
	}
	t.Logf("stats: %+v", s)
}

func TestMemEvictsLeastRecentlyUsed(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 100, MemBytes: 300})
	f := newFetcher(func(BlockKey) int { return 100 })
	a, bb, c, d := key("a", "e", 0), key("b", "e", 0), key("c", "e", 0), key("d", "e", 0)
	for _, k := range []BlockKey{a, bb, c} {
		mustGet(t, b, k, f.For(k))
	}
	mustGet(t, b, a, f.For(a)) // a is now most recent; b is least
	mustGet(t, b, d, f.For(d)) // evicts b
	if !b.mem.contains(a) || b.mem.contains(bb) || !b.mem.contains(c) || !b.mem.contains(d) {
		t.Fatalf("wrong eviction: a=%v b=%v c=%v d=%v", b.mem.contains(a), b.mem.contains(bb), b.mem.contains(c), b.mem.contains(d))
	}
	mustGet(t, b, key("e", "e", 0), f.For(key("e", "e", 0))) // evicts c
	if b.mem.contains(c) || !b.mem.contains(a) {
		t.Fatal("second eviction did not take the least recently used block")
	}
	if s := b.Stats(); s.MemEvictions != 2 || s.MemBytes != 300 {
		t.Fatalf("stats %+v", s)
	}
}

func TestEvictedSliceStaysValid(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 100, MemBytes: 100})
	f := newFetcher(func(BlockKey) int { return 100 })
	a := key("a", "e", 0)
	held := mustGet(t, b, a, f.For(a))
	for i := range 10 {
		k := key("x", "e", int64(i))
		mustGet(t, b, k, f.For(k))
	}
	if !bytes.Equal(held, blockBytes(a, 100)) {
		t.Fatal("a slice returned by Get changed after eviction")
	}
}

func TestShortBlocksAccountedByCapacity(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 100, MemBytes: 1000})
	k := key("a", "e", 0)
	mustGet(t, b, k, func(context.Context) ([]byte, error) { return make([]byte, 10, 90), nil })
	if s := b.Stats(); s.MemBytes != 90 {
		t.Fatalf("MemBytes = %d, want the slice's capacity 90", s.MemBytes)
	}
}

// The memory tier leaves part of MemBytes for buffers outside it (blocks
// being prefetched, blocks streamed to readers that did not wait for the
// rest, the free list), so that all block memory fits in MemBytes.
func TestMemTierLeavesRoomForBuffersInFlight(t *testing.T) {
	const bs = 1024
	b := newTestBlocks(t, BlockConfig{BlockSize: bs, MemBytes: 128 * bs, MaxPrefetch: 2})
	f := newFetcher(func(BlockKey) int { return bs })
	for i := range int64(128) {
		mustGet(t, b, key("o", "e", i), f.For(key("o", "e", i)))
	}
	reserve := int64(2+streamSlots+freeBuffers) * bs // 12 blocks: within an eighth of 128
	if s := b.Stats(); s.MemBytes != 128*bs-reserve {
		t.Fatalf("memory tier holds %d bytes; want MemBytes %d less the reserve %d", s.MemBytes, 128*bs, reserve)
	}
}
