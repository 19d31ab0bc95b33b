package fs

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxNegative bounds the negative-lookup entries one directory remembers.
const maxNegative = 4096

// listTimeout bounds one whole directory listing (every page), which runs
// detached from the FUSE request; each request also has its own deadline
// in remote. 15 minutes is some 5 million keys at a slow 200 ms a page.
const listTimeout = 15 * time.Minute

// listing is an immutable snapshot of one directory: its entries sorted by
// name, and when the listing that produced them started.
type listing struct {
	entries []entry
	fetched time.Time
}

// find returns the entry called name.
func (l *listing) find(name string) (entry, bool) {
	i, ok := slices.BinarySearchFunc(l.entries, name, func(e entry, n string) int { return strings.Compare(e.name, n) })
	if !ok {
		return entry{}, false
	}
	return l.entries[i], true
}

// loadFunc lists one directory.
type loadFunc func(ctx context.Context) ([]entry, error)

// loadCall is one listing in flight; done is closed when snap or err is set.
type loadCall struct {
	done chan struct{}
	snap *listing
	err  error
}

// dirCache holds one directory's listing snapshot and its negative
// lookups. A listing runs detached from the FUSE request that started it
// (on the FS's background context), so that an interrupted readdir does
// not throw away the pages fetched so far: callers that retry, and
// concurrent callers, wait for the same listing.
type dirCache struct {
	clock func() time.Time
	bg    context.Context // parent of listings; cancelled by FS.Close
	load  loadFunc

	mu       sync.Mutex
	snap     *listing             // latest complete listing, or nil
	inflight *loadCall            // listing in progress, or nil
	negative map[string]time.Time // name -> when it was found missing
}

func newDirCache(bg context.Context, clock func() time.Time, load loadFunc) *dirCache {
	return &dirCache{clock: clock, bg: bg, load: load}
}

// fresh returns the snapshot if it is younger than ttl, else nil.
func (c *dirCache) fresh(ttl time.Duration) *listing {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.freshLocked(ttl)
}

func (c *dirCache) freshLocked(ttl time.Duration) *listing {
	if c.snap != nil && c.clock().Sub(c.snap.fetched) >= ttl {
		c.snap = nil // stale: never used again, so free it
	}
	return c.snap
}

// get returns a snapshot younger than ttl, listing the directory when there
// is none. It returns early with ctx's error when ctx is done; the listing
// carries on and its result is kept.
func (c *dirCache) get(ctx context.Context, ttl time.Duration) (*listing, error) {
	c.mu.Lock()
	if snap := c.freshLocked(ttl); snap != nil {
		c.mu.Unlock()
		return snap, nil
	}
	call := c.inflight
	if call == nil {
		call = &loadCall{done: make(chan struct{})}
		c.inflight = call
		go c.run(call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.snap, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run performs one listing and publishes its result.
func (c *dirCache) run(call *loadCall) {
	started := c.clock()
	ctx, cancel := context.WithTimeout(c.bg, listTimeout)
	entries, err := c.load(ctx)
	cancel()
	c.mu.Lock()
	if err == nil {
		call.snap = &listing{entries: entries, fetched: started}
		c.snap = call.snap
		c.dropNegativeBeforeLocked(started)
	}
	call.err = err
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
}

// isNegative reports whether name was found missing less than ttl ago.
func (c *dirCache) isNegative(name string, ttl time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.negative[name]
	return ok && c.clock().Sub(at) < ttl
}

// putNegative remembers that name was found missing now.
func (c *dirCache) putNegative(name string, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	if c.negative == nil {
		c.negative = make(map[string]time.Time)
	}
	if len(c.negative) >= maxNegative {
		c.dropNegativeBeforeLocked(now.Add(-ttl))
		if len(c.negative) >= maxNegative {
			clear(c.negative)
		}
	}
	c.negative[name] = now
}

// dropNegativeBeforeLocked forgets negative entries older than t (a newer
// listing supersedes them).
func (c *dirCache) dropNegativeBeforeLocked(t time.Time) {
	for name, at := range c.negative {
		if at.Before(t) {
			delete(c.negative, name)
		}
	}
}
