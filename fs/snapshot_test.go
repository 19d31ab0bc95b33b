package fs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingLoad returns a loadFunc that counts calls and returns n entries.
func countingLoad(calls *atomic.Int64, gate <-chan struct{}) loadFunc {
	return func(ctx context.Context) ([]entry, error) {
		calls.Add(1)
		if gate != nil {
			<-gate
		}
		return []entry{{name: "a"}, {name: "b", dir: true}, {name: "c"}}, nil
	}
}

func TestDirCacheTTL(t *testing.T) {
	clock := newTestClock()
	var calls atomic.Int64
	c := newDirCache(context.Background(), clock.Now, countingLoad(&calls, nil))
	ctx := context.Background()
	if c.fresh(time.Minute) != nil {
		t.Fatal("fresh snapshot before any listing")
	}
	snap, err := c.get(ctx, time.Minute)
	if err != nil || len(snap.entries) != 3 {
		t.Fatal(snap, err)
	}
	if e, ok := snap.find("b"); !ok || !e.dir {
		t.Fatal("find b")
	}
	if _, ok := snap.find("bb"); ok {
		t.Fatal("found bb")
	}
	clock.Advance(59 * time.Second)
	if _, err := c.get(ctx, time.Minute); err != nil || calls.Load() != 1 {
		t.Fatalf("relisted within the TTL: %d calls", calls.Load())
	}
	clock.Advance(time.Second)
	if c.fresh(time.Minute) != nil {
		t.Fatal("snapshot fresh at its TTL")
	}
	if _, err := c.get(ctx, time.Minute); err != nil || calls.Load() != 2 {
		t.Fatalf("not relisted after the TTL: %d calls", calls.Load())
	}
	if _, err := c.get(ctx, 0); err != nil || calls.Load() != 3 {
		t.Fatalf("TTL 0 must relist: %d calls", calls.Load())
	}
}

func TestDirCacheSharesListing(t *testing.T) {
	var calls atomic.Int64
	gate := make(chan struct{})
	c := newDirCache(context.Background(), time.Now, countingLoad(&calls, gate))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.get(context.Background(), time.Minute); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d listings for concurrent callers, want 1", calls.Load())
	}
}

func TestDirCacheInterruptedCallerKeepsListing(t *testing.T) {
	var calls atomic.Int64
	gate := make(chan struct{})
	c := newDirCache(context.Background(), time.Now, countingLoad(&calls, gate))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.get(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted get: %v", err)
	}
	close(gate)
	if snap, err := c.get(context.Background(), time.Minute); err != nil || len(snap.entries) != 3 {
		t.Fatal(snap, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d listings, want the interrupted one reused", calls.Load())
	}
}

func TestDirCacheError(t *testing.T) {
	fail := true
	c := newDirCache(context.Background(), time.Now, func(ctx context.Context) ([]entry, error) {
		if fail {
			return nil, errors.New("boom")
		}
		return nil, nil
	})
	if _, err := c.get(context.Background(), time.Minute); err == nil {
		t.Fatal("error lost")
	}
	fail = false
	if snap, err := c.get(context.Background(), time.Minute); err != nil || snap == nil {
		t.Fatal("failed listing was cached", err)
	}
}

func TestDirCacheNegative(t *testing.T) {
	clock := newTestClock()
	var calls atomic.Int64
	c := newDirCache(context.Background(), clock.Now, countingLoad(&calls, nil))
	c.putNegative("x", time.Second)
	if !c.isNegative("x", time.Second) || c.isNegative("y", time.Second) {
		t.Fatal("negative entry")
	}
	clock.Advance(time.Second)
	if c.isNegative("x", time.Second) {
		t.Fatal("negative entry outlived its TTL")
	}
	c.putNegative("z", 0)
	if c.isNegative("z", time.Hour) {
		t.Fatal("negative cached with TTL 0")
	}
	// A listing supersedes earlier negative entries.
	c.putNegative("x", time.Minute)
	clock.Advance(time.Millisecond)
	if _, err := c.get(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if c.isNegative("x", time.Minute) {
		t.Fatal("negative entry survived a newer listing")
	}
	// Bounded.
	for i := 0; i < 3*maxNegative; i++ {
		c.putNegative(fmt.Sprint(i), time.Minute)
	}
	if len(c.negative) > maxNegative {
		t.Fatalf("%d negative entries", len(c.negative))
	}
}
