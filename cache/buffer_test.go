package cache

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// reusingFetch fills a buffer from b.Buffer with block k's bytes, as a
// real fetch does, so recycled buffers are reused.
func reusingFetch(b *Blocks, k BlockKey, n int) FetchFunc {
	return func(context.Context) ([]byte, error) {
		buf := b.Buffer(n)
		copy(buf, blockBytes(k, n))
		return buf, nil
	}
}

// A View stays valid, with its bytes unchanged, after its block is evicted
// and other blocks are fetched into recycled buffers; once released, the
// buffer is reused.
func TestViewOutlivesEviction(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 2 * 64})
	k0 := key("obj", "e", 0)
	v, err := b.Acquire(context.Background(), k0, reusingFetch(b, k0, 64))
	if err != nil {
		t.Fatal(err)
	}
	held := v.Bytes()
	for i := int64(1); i < 10; i++ { // evicts block 0, recycles others
		k := key("obj", "e", i)
		mustGet(t, b, k, reusingFetch(b, k, 64))
	}
	if b.mem.contains(k0) {
		t.Fatal("block 0 was not evicted")
	}
	if !bytes.Equal(held, blockBytes(k0, 64)) {
		t.Fatal("a held block was overwritten after its eviction")
	}
	v.Release()
	waitFor(t, func() bool {
		buf := b.Buffer(64)
		reused := &buf[0] == &held[0]
		b.free.put(buf)
		return reused
	})
}

// Readers holding and releasing views of a tiny cache while fetches reuse
// recycled buffers always see their own block's bytes (run with -race).
func TestRecyclingUnderConcurrentReaders(t *testing.T) {
	const bs = 256
	b := newTestBlocks(t, BlockConfig{BlockSize: bs, MemBytes: 3 * bs})
	var wg sync.WaitGroup
	for r := range 8 {
		wg.Go(func() {
			for i := range 300 {
				k := key("obj", "e", int64((i*7+r)%11))
				v, err := b.Acquire(context.Background(), k, reusingFetch(b, k, bs))
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(v.Bytes(), blockBytes(k, bs)) {
					t.Errorf("reader %d: block %d has another block's bytes", r, k.Index)
				}
				v.Release()
			}
		})
	}
	wg.Wait()
	if s := b.Stats(); s.MemBytes > 3*bs {
		t.Fatalf("memory tier holds %d bytes, budget %d", s.MemBytes, 3*bs)
	}
}

// A short block (an object's last) is never put on the free list: its
// buffer is not a full block.
func TestFreeListTakesOnlyFullBlocks(t *testing.T) {
	l := newFreeList(64, 4)
	l.put(make([]byte, 10))
	l.put(make([]byte, 64, 128))
	if len(l.ch) != 0 {
		t.Fatalf("free list took %d buffers that are not full blocks", len(l.ch))
	}
	full := make([]byte, 64)
	l.put(full[:3])
	if got := l.get(64); &got[0] != &full[0] || len(got) != 64 {
		t.Fatal("a full-size buffer was not reused at full length")
	}
	if got := l.get(10); len(got) != 10 {
		t.Fatal("a short buffer has the wrong length")
	}
}
