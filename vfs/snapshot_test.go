package vfs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/objfs/objfs/cache"
)

// newMetaFS returns an FS (over an unused fake) whose metadata cache runs
// on clock, with StatTTL 1s and ListTTL 1m unless mod changes them.
func newMetaFS(t *testing.T, clock *testClock, mod func(*Config)) *FS {
	t.Helper()
	_, counting := newFake(t)
	cfg := Config{
		Source: Source{Bucket: testBucket}, StatTTL: time.Second, ListTTL: time.Minute,
		Clock: clock.Now, Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	return fsys
}

// countingLoad returns a loadFunc that counts calls and returns 3 entries.
func countingLoad(calls *atomic.Int64, gate <-chan struct{}) loadFunc {
	return func(ctx context.Context) ([]entry, error) {
		calls.Add(1)
		if gate != nil {
			<-gate
		}
		return []entry{{name: "a"}, {name: "b", dir: true}, {name: "c", size: 7, etag: `"c"`}}, nil
	}
}

func TestDirCacheTTL(t *testing.T) {
	clock := newTestClock()
	fsys := newMetaFS(t, clock, nil)
	var calls atomic.Int64
	c := fsys.newDirCache(testBucket, "d/", countingLoad(&calls, nil))
	ctx := context.Background()
	if c.fresh() != nil {
		t.Fatal("fresh snapshot before any listing")
	}
	snap, err := c.get(ctx)
	if err != nil || snap.len() != 3 || !snap.fetched.Equal(clock.Now()) {
		t.Fatal(snap, err)
	}
	if e, ok := snap.find("b"); !ok || !e.dir {
		t.Fatal("find b")
	}
	if e, ok := snap.find("c"); !ok || e.dir || e.size != 7 || e.etag != `"c"` {
		t.Fatalf("find c: %+v", e)
	}
	if _, ok := snap.find("bb"); ok {
		t.Fatal("found bb")
	}
	clock.Advance(59 * time.Second)
	if _, err := c.get(ctx); err != nil || calls.Load() != 1 {
		t.Fatalf("relisted within the TTL: %d calls", calls.Load())
	}
	clock.Advance(time.Second)
	if c.fresh() != nil {
		t.Fatal("snapshot fresh at its TTL")
	}
	if _, err := c.get(ctx); err != nil || calls.Load() != 2 {
		t.Fatalf("not relisted after the TTL: %d calls", calls.Load())
	}
	// Another directory of the same FS has its own listing.
	other := fsys.newDirCache(testBucket, "e/", countingLoad(&calls, nil))
	if other.fresh() != nil {
		t.Fatal("a listing leaked to another directory")
	}
}

func TestDirCacheListTTLOff(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), func(c *Config) { c.ListTTL = NoCache })
	var calls atomic.Int64
	c := fsys.newDirCache(testBucket, "", countingLoad(&calls, nil))
	for want := int64(1); want <= 2; want++ {
		if snap, err := c.get(context.Background()); err != nil || snap.len() != 3 || calls.Load() != want {
			t.Fatalf("get %d: %v, %v, %d calls", want, snap, err, calls.Load())
		}
	}
}

func TestDirCacheSharesListing(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), nil)
	var calls atomic.Int64
	gate := make(chan struct{})
	c := fsys.newDirCache(testBucket, "", countingLoad(&calls, gate))
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.get(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d listings for concurrent callers, want 1", calls.Load())
	}
}

func TestDirCacheInterruptedCallerKeepsListing(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), nil)
	var calls atomic.Int64
	gate := make(chan struct{})
	c := fsys.newDirCache(testBucket, "", countingLoad(&calls, gate))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted get: %v", err)
	}
	close(gate)
	if snap, err := c.get(context.Background()); err != nil || snap.len() != 3 {
		t.Fatal(snap, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d listings, want the interrupted one reused", calls.Load())
	}
}

func TestDirCacheError(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), nil)
	var fail atomic.Bool
	fail.Store(true)
	c := fsys.newDirCache(testBucket, "", func(ctx context.Context) ([]entry, error) {
		if fail.Load() {
			return nil, errors.New("boom")
		}
		return nil, nil
	})
	if _, err := c.get(context.Background()); err == nil {
		t.Fatal("error lost")
	}
	fail.Store(false)
	if snap, err := c.get(context.Background()); err != nil || snap == nil || snap.len() != 0 {
		t.Fatal("failed listing was cached", err)
	}
}

// A listing that a change through the mount overtook is redone, so it
// shows the change, and only the redone listing is cached.
func TestDirCacheRelistsAfterConcurrentWrite(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), nil)
	var calls atomic.Int64
	c := fsys.newDirCache(testBucket, "d/", func(ctx context.Context) ([]entry, error) {
		if calls.Add(1) == 1 {
			// A file is written through the mount while the first
			// listing runs; the server's answer does not have it yet.
			fsys.meta.Upsert(testBucket, "d/new", cache.Entry{Size: 1, ETag: `"n"`})
			return []entry{{name: "old"}}, nil
		}
		return []entry{{name: "new", size: 1, etag: `"n"`}, {name: "old"}}, nil
	})
	snap, err := c.get(context.Background())
	if err != nil || calls.Load() != 2 {
		t.Fatalf("get: %v after %d listings, want 2", err, calls.Load())
	}
	if _, ok := snap.find("new"); !ok {
		t.Fatal("the listing does not show the file written while it ran")
	}
	if cached := c.fresh(); cached == nil || cached.len() != 2 {
		t.Fatalf("cached listing %v, want the redone one", cached)
	}
}

func TestDirCacheNegative(t *testing.T) {
	clock := newTestClock()
	fsys := newMetaFS(t, clock, nil) // StatTTL 1s
	c := fsys.newDirCache(testBucket, "d/", nil)
	c.putNegative(c.begin(), "x")
	if !c.isNegative("x") || c.isNegative("y") {
		t.Fatal("negative entry")
	}
	clock.Advance(time.Second)
	if c.isNegative("x") {
		t.Fatal("negative entry outlived StatTTL")
	}

	// A file or a directory made through the mount ends it at once.
	c.putNegative(c.begin(), "x")
	fsys.meta.Upsert(testBucket, "d/x", cache.Entry{Size: 3, ETag: `"x"`})
	if c.isNegative("x") {
		t.Fatal("negative entry survived a file written through the mount")
	}
	c.putNegative(c.begin(), "y")
	fsys.meta.Upsert(testBucket, "d/y/z", cache.Entry{Size: 3, ETag: `"z"`})
	if c.isNegative("y") {
		t.Fatal("negative entry survived a file written below it")
	}

	// A lookup that began before a change is not cached.
	tok := c.begin()
	fsys.meta.Remove(testBucket, "d/other")
	c.putNegative(tok, "w")
	if c.isNegative("w") {
		t.Fatal("a negative answer older than a change was cached")
	}
}

func TestDirCacheNegativeOff(t *testing.T) {
	fsys := newMetaFS(t, newTestClock(), func(c *Config) { c.StatTTL = NoCache })
	c := fsys.newDirCache(testBucket, "", nil)
	c.putNegative(c.begin(), "z")
	if c.isNegative("z") {
		t.Fatal("negative cached with StatTTL off")
	}
}
