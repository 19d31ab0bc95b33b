package cache

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is an injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// blockBytes is the deterministic content of block k of length n, distinct
// for every key (ETag included), so a test can tell whose bytes it got.
func blockBytes(k BlockKey, n int) []byte {
	seed := crc32.ChecksumIEEE(fmt.Appendf(nil, "%s|%s|%s|%d", k.Bucket, k.Key, k.ETag, k.Index))
	out := make([]byte, n)
	for i := range out {
		seed = seed*1664525 + 1013904223
		out[i] = byte(seed >> 24)
	}
	return out
}

// fetcher serves blockBytes and counts calls per key.
type fetcher struct {
	mu     sync.Mutex
	calls  map[BlockKey]int
	total  atomic.Int64
	length func(BlockKey) int
}

func newFetcher(length func(BlockKey) int) *fetcher {
	return &fetcher{calls: map[BlockKey]int{}, length: length}
}

func (f *fetcher) For(k BlockKey) FetchFunc {
	return func(ctx context.Context) ([]byte, error) {
		f.mu.Lock()
		f.calls[k]++
		f.mu.Unlock()
		f.total.Add(1)
		return blockBytes(k, f.length(k)), nil
	}
}

func (f *fetcher) Calls(k BlockKey) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[k]
}

// mustNotFetch fails the test if called.
func mustNotFetch(t testing.TB, k BlockKey) FetchFunc {
	return func(context.Context) ([]byte, error) {
		t.Errorf("unexpected fetch of %+v", k)
		return nil, fmt.Errorf("unexpected fetch")
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestBlocks(t testing.TB, cfg BlockConfig) *Blocks {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	b, err := NewBlocks(cfg)
	if err != nil {
		t.Fatalf("NewBlocks: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func key(name string, etag string, idx int64) BlockKey {
	return BlockKey{Bucket: "bkt", Key: name, ETag: etag, Index: idx}
}

func mustGet(t testing.TB, b *Blocks, k BlockKey, fetch FetchFunc) []byte {
	t.Helper()
	data, err := b.Get(context.Background(), k, fetch)
	if err != nil {
		t.Fatalf("Get %+v: %v", k, err)
	}
	return data
}
