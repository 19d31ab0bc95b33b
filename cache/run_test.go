package cache

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

// runner serves runs of blockBytes for object "obj" version "e", records
// each run it was asked for, and can be held at a block or made to fail
// after some blocks.
type runner struct {
	mu     sync.Mutex
	calls  [][2]int64 // first, n
	failAt int64      // block index whose delivery fails (-1: none)
	holdAt int64      // block index whose delivery waits for release (-1: none)
	hold   chan struct{}
}

func newRunner() *runner { return &runner{failAt: -1, holdAt: -1, hold: make(chan struct{})} }

func (r *runner) run(ctx context.Context, first int64, n int, put func([]byte) bool) error {
	r.mu.Lock()
	r.calls = append(r.calls, [2]int64{first, int64(n)})
	r.mu.Unlock()
	for i := first; i < first+int64(n); i++ {
		if i == r.holdAt {
			select {
			case <-r.hold:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if i == r.failAt {
			return errors.New("connection reset")
		}
		if !put(blockBytes(key("obj", "e", i), 64)) {
			return nil
		}
	}
	return nil
}

func (r *runner) runs() [][2]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][2]int64(nil), r.calls...)
}

func TestPrefetchRunOneRequestForManyBlocks(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1 << 20})
	r := newRunner()
	r.holdAt = 5
	if got := b.PrefetchRun(key("obj", "e", 2), 6, r.run); got != 6 {
		t.Fatalf("covered %d blocks, want 6", got)
	}
	// Blocks before the hold are served while the stream waits.
	k := key("obj", "e", 3)
	if got := mustGet(t, b, k, mustNotFetch(t, k)); !bytes.Equal(got, blockBytes(k, 64)) {
		t.Fatal("block 3: wrong bytes")
	}
	close(r.hold)
	k = key("obj", "e", 7)
	if got := mustGet(t, b, k, mustNotFetch(t, k)); !bytes.Equal(got, blockBytes(k, 64)) {
		t.Fatal("block 7: wrong bytes")
	}
	if runs := r.runs(); len(runs) != 1 || runs[0] != [2]int64{2, 6} {
		t.Fatalf("runs %v, want one of blocks 2-7", runs)
	}
	if s := b.Stats(); s.Runs != 1 || s.RunBlocks != 6 || s.Fetches != 6 {
		t.Fatalf("stats %+v", s)
	}
	// Everything is covered now: nothing more is fetched.
	if got := b.PrefetchRun(key("obj", "e", 2), 6, r.run); got != 6 || len(r.runs()) != 1 {
		t.Fatalf("second call covered %d, runs %v", got, r.runs())
	}
}

func TestPrefetchRunSkipsPresentBlocks(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1 << 20})
	f := newFetcher(func(BlockKey) int { return 64 })
	for _, i := range []int64{0, 1, 4} {
		mustGet(t, b, key("obj", "e", i), f.For(key("obj", "e", i)))
	}
	r := newRunner()
	// 0, 1 present; 2, 3 missing; 4 present; 5, 6 missing.
	if got := b.PrefetchRun(key("obj", "e", 0), 7, r.run); got != 4 {
		t.Fatalf("covered %d, want 4 (up to the next stretch)", got)
	}
	waitFor(t, func() bool { return b.Contains(key("obj", "e", 3)) })
	if got := b.PrefetchRun(key("obj", "e", 4), 3, r.run); got != 3 {
		t.Fatalf("covered %d, want 3", got)
	}
	waitFor(t, func() bool { return b.Contains(key("obj", "e", 6)) })
	if runs := r.runs(); len(runs) != 2 || runs[0] != [2]int64{2, 2} || runs[1] != [2]int64{5, 2} {
		t.Fatalf("runs %v, want blocks 2-3 and 5-6", runs)
	}
}

func TestPrefetchRunNeedsASlot(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1 << 20, MaxPrefetch: 1})
	r := newRunner()
	r.holdAt = 0
	if got := b.PrefetchRun(key("obj", "e", 0), 2, r.run); got != 2 {
		t.Fatalf("first run covered %d", got)
	}
	if got := b.PrefetchRun(key("obj", "e", 2), 2, r.run); got != 0 {
		t.Fatalf("a run without a free slot covered %d", got)
	}
	if b.Stats().PrefetchDropped != 1 {
		t.Fatal("the refused run was not counted as dropped")
	}
	close(r.hold)
	waitFor(t, func() bool { return b.Contains(key("obj", "e", 1)) && len(b.prefetchSlots) == 0 })
	if got := b.PrefetchRun(key("obj", "e", 2), 2, r.run); got != 2 {
		t.Fatalf("after the slot freed: covered %d", got)
	}
}

// A run that fails part-way leaves its other blocks to be fetched one by
// one by the readers waiting on them: no error reaches them.
func TestPrefetchRunFailureFallsBackToSingleFetches(t *testing.T) {
	b := newTestBlocks(t, BlockConfig{BlockSize: 64, MemBytes: 1 << 20})
	r := newRunner()
	r.holdAt, r.failAt = 2, 2
	b.PrefetchRun(key("obj", "e", 0), 5, r.run)
	f := newFetcher(func(BlockKey) int { return 64 })
	var wg sync.WaitGroup
	for i := range int64(5) {
		wg.Go(func() {
			k := key("obj", "e", i)
			got, err := b.Get(context.Background(), k, f.For(k))
			if err != nil || !bytes.Equal(got, blockBytes(k, 64)) {
				t.Errorf("block %d: %v", i, err)
			}
		})
	}
	close(r.hold) // the run now fails at block 2
	wg.Wait()
	for i := range int64(5) {
		if want := int(boolInt(i >= 2)); f.Calls(key("obj", "e", i)) != want {
			t.Errorf("block %d fetched alone %d times, want %d", i, f.Calls(key("obj", "e", i)), want)
		}
	}
	if s := b.Stats(); s.RunsAborted != 1 || s.RunBlocks != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func boolInt(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// Blocks on disk are loaded from disk, not fetched by a run.
func TestPrefetchRunUsesDiskTier(t *testing.T) {
	dir := t.TempDir()
	cfg := BlockConfig{BlockSize: 64, MemBytes: 1 << 20, DiskDir: dir, DiskBytes: 1 << 20}
	b := newTestBlocks(t, cfg)
	r := newRunner()
	b.PrefetchRun(key("obj", "e", 0), 4, r.run)
	waitFor(t, func() bool { return b.Stats().DiskBlocks == 4 })
	b.Close()

	b2 := newTestBlocks(t, cfg)
	r2 := newRunner()
	for i := 0; i < 4; {
		got := b2.PrefetchRun(key("obj", "e", int64(i)), 4-i, r2.run)
		if got == 0 {
			t.Fatal("no progress")
		}
		i += got
	}
	waitFor(t, func() bool { return b2.Stats().DiskHits == 4 })
	if runs := r2.runs(); len(runs) != 0 {
		t.Fatalf("blocks on disk were fetched: %v", runs)
	}
}

// Close stops a run that is waiting and waits for it.
func TestCloseStopsRun(t *testing.T) {
	b, err := NewBlocks(BlockConfig{BlockSize: 64, MemBytes: 1 << 20, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner()
	r.holdAt = 1
	b.PrefetchRun(key("obj", "e", 0), 3, r.run)
	waitFor(t, func() bool { return b.Contains(key("obj", "e", 0)) })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(context.Background(), key("obj", "e", 2), mustNotFetch(t, key("obj", "e", 2))); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}
