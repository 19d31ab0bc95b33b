package cache

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestGetFetchesOnceThenServesFromMemory(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 1024, MemBytes: 8 * 1024})
	f := newFetcher(func(BlockKey) int { return 1024 })
	k := key("obj", "e1", 3)
	first := mustGet(t, b, k, f.For(k))
	second := mustGet(t, b, k, f.For(k))
	if !bytes.Equal(first, blockBytes(k, 1024)) || !bytes.Equal(second, first) {
		t.Fatal("wrong block bytes")
	}
	if n := f.Calls(k); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
	s := b.Stats()
	// No disk tier: nothing was missed there.
	if s.MemHits != 1 || s.MemMisses != 1 || s.Fetches != 1 || s.MemBlocks != 1 || s.MemBytes != 1024 || s.DiskMisses != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestSingleflightOneFetchForConcurrentGets(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 4096, MemBytes: 1 << 20})
	k := key("obj", "e1", 0)
	release := make(chan struct{})
	var calls int
	var mu sync.Mutex
	fetch := func(ctx context.Context) ([]byte, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return blockBytes(k, 4096), nil
	}
	const n = 64
	var wg sync.WaitGroup
	results := make([][]byte, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.Get(context.Background(), k, fetch)
		}()
	}
	waitFor(t, func() bool { return b.Stats().Joins+1 >= n })
	close(release)
	wg.Wait()
	if calls != 1 {
		t.Fatalf("fetch ran %d times for %d concurrent Gets, want 1", calls, n)
	}
	want := blockBytes(k, 4096)
	for i := range n {
		if errs[i] != nil || !bytes.Equal(results[i], want) {
			t.Fatalf("Get %d: err %v, right bytes %v", i, errs[i], bytes.Equal(results[i], want))
		}
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCallerCancelDoesNotCancelSharedFetch(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 4096, MemBytes: 1 << 20})
	k := key("obj", "e1", 0)
	started, release := make(chan struct{}), make(chan struct{})
	fetchErr := make(chan error, 1)
	fetch := func(ctx context.Context) ([]byte, error) {
		close(started)
		<-release
		fetchErr <- ctx.Err()
		return blockBytes(k, 100), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := b.Get(ctx, k, fetch); first <- err }()
	<-started
	second := make(chan []byte, 1)
	go func() { second <- mustGet(t, b, k, fetch) }()
	waitFor(t, func() bool { return b.Stats().Joins == 1 })
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if data := <-second; !bytes.Equal(data, blockBytes(k, 100)) {
		t.Fatal("second caller got wrong bytes")
	}
	if err := <-fetchErr; err != nil {
		t.Fatalf("fetch context was cancelled with its first caller: %v", err)
	}
	if !b.Contains(k) {
		t.Fatal("block not cached after the fetch finished")
	}
}

func TestFetchErrorIsReturnedAndNotCached(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 4096, MemBytes: 1 << 20})
	k := key("obj", "e1", 0)
	boom := errors.New("boom")
	_, err := b.Get(context.Background(), k, func(context.Context) ([]byte, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	waitFor(t, func() bool { return !b.inFlight(k) })
	f := newFetcher(func(BlockKey) int { return 10 })
	mustGet(t, b, k, f.For(k))
	if f.Calls(k) != 1 || b.Stats().FetchErrors != 1 {
		t.Fatalf("after an error the next Get must fetch again: calls %d, stats %+v", f.Calls(k), b.Stats())
	}
}

func (b *Blocks) inFlight(k BlockKey) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.flights[k]
	return ok
}

func TestRejectsBadKeysAndOversizedBlocks(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 16, MemBytes: 1024})
	ok := func(context.Context) ([]byte, error) { return make([]byte, 8), nil }
	if _, err := b.Get(context.Background(), key("o", "", 0), ok); !errors.Is(err, ErrNoETag) {
		t.Fatalf("empty ETag: %v", err)
	}
	if _, err := b.Get(context.Background(), key("o", "e", -1), ok); !errors.Is(err, ErrBadBlock) {
		t.Fatalf("negative index: %v", err)
	}
	big := func(context.Context) ([]byte, error) { return make([]byte, 17), nil }
	if _, err := b.Get(context.Background(), key("o", "e", 0), big); !errors.Is(err, ErrBadBlock) {
		t.Fatalf("oversized block: %v", err)
	}
}

func TestChangedETagNeverServesOldBlock(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1024, DiskDir: t.TempDir(), DiskBytes: 1 << 20})
	f := newFetcher(func(BlockKey) int { return 64 })
	old, cur := key("obj", "v1", 0), key("obj", "v2", 0)
	mustGet(t, b, old, f.For(old))
	got := mustGet(t, b, cur, f.For(cur))
	if !bytes.Equal(got, blockBytes(cur, 64)) || f.Calls(cur) != 1 {
		t.Fatal("a new ETag was served the old version's block")
	}
	if b.Contains(key("obj", "v3", 0)) {
		t.Fatal("Contains reports an ETag never fetched")
	}
}

func TestPrefetchFillsAndIsBounded(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1 << 20, MaxPrefetch: 2})
	release := make(chan struct{})
	slow := func(k BlockKey) FetchFunc {
		return func(context.Context) ([]byte, error) { <-release; return blockBytes(k, 64), nil }
	}
	for i := range 5 {
		covered := b.Prefetch(key("obj", "e", int64(i)), slow(key("obj", "e", int64(i))))
		if covered != (i < 2) {
			t.Errorf("Prefetch of block %d reported covered=%v with 2 slots", i, covered)
		}
	}
	if !b.Prefetch(key("obj", "e", 0), slow(key("obj", "e", 0))) { // in flight: ignored
		t.Error("Prefetch of a block in flight reported it not covered")
	}
	s := b.Stats()
	if s.PrefetchStarted != 2 || s.PrefetchDropped != 3 {
		t.Fatalf("prefetch started %d dropped %d, want 2 and 3", s.PrefetchStarted, s.PrefetchDropped)
	}
	close(release)
	waitFor(t, func() bool { return b.Contains(key("obj", "e", 1)) && len(b.prefetchSlots) == 0 })
	k := key("obj", "e", 0)
	if got := mustGet(t, b, k, mustNotFetch(t, k)); !bytes.Equal(got, blockBytes(k, 64)) {
		t.Fatal("prefetched block has wrong bytes")
	}
	if !b.Prefetch(k, mustNotFetch(t, k)) { // present: nothing to do
		t.Error("Prefetch of a cached block reported it not covered")
	}
	if b.Stats().PrefetchStarted != 2 {
		t.Fatal("prefetch of a cached block started a fill")
	}
}

func TestCloseCancelsFillsAndRefusesGets(t *testing.T) {
	b, err := NewBlocks(BlockConfig{BlockSize: 64, MemBytes: 1024, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	k := key("obj", "e", 0)
	started := make(chan struct{})
	got := make(chan error, 1)
	go func() {
		_, err := b.Get(context.Background(), k, func(ctx context.Context) ([]byte, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		got <- err
	}()
	<-started
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("Get during Close: %v", err)
	}
	if _, err := b.Get(context.Background(), key("obj", "e", 1), mustNotFetch(t, k)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []BlockConfig{
		{BlockSize: -1},
		{BlockSize: 1 << 20, MemBytes: 1 << 10},
		{BlockSize: 1 << 20, DiskDir: "x", DiskBytes: 10},
		{MaxPrefetch: -1},
		{BlockSize: maxBlockSize + 1, MemBytes: 1 << 30},
	} {
		if _, err := NewBlocks(cfg); err == nil {
			t.Errorf("NewBlocks(%+v) accepted a bad config", cfg)
		}
	}
}

// A Get right after a failed fill starts a new fill: it never joins the
// failed one (which would hand it the old error).
func TestRetryAfterFailureStartsNewFill(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1024})
	for i := range int64(200) {
		k := key("obj", "e", i)
		_, err := b.Get(context.Background(), k, func(context.Context) ([]byte, error) { return nil, errors.New("boom") })
		if err == nil {
			t.Fatal("failed fetch returned no error")
		}
		got, err := b.Get(context.Background(), k, func(context.Context) ([]byte, error) { return blockBytes(k, 64), nil })
		if err != nil || !bytes.Equal(got, blockBytes(k, 64)) {
			t.Fatalf("Get right after a failure: %v", err)
		}
	}
}
