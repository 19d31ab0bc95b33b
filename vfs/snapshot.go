package vfs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/objfs/objfs/cache"
)

// listTimeout bounds one whole directory listing (every page), which runs
// detached from the FUSE request; each request also has its own deadline
// in remote. 15 minutes is some 5 million keys at a slow 200 ms a page.
const listTimeout = 15 * time.Minute

// listAttempts bounds how often one listing is redone because a change
// made through the mount landed in the directory while it ran (the result
// could hide that change, so it is not cached; see cache.Meta.Begin). The
// last attempt's result is returned uncached.
const listAttempts = 3

// listing is an immutable snapshot of one directory: its entries sorted by
// name (compact, in a cache.Listing) and when it was fetched.
type listing struct {
	l       *cache.Listing
	fetched time.Time
}

// len is the number of entries.
func (l *listing) len() int { return l.l.Len() }

// at returns entry i in name order.
func (l *listing) at(i int) entry { return fromCacheEntry(l.l.At(i)) }

// find returns the entry called name.
func (l *listing) find(name string) (entry, bool) {
	e, ok := l.l.Lookup(name)
	if !ok {
		return entry{}, false
	}
	return fromCacheEntry(e), true
}

// loadFunc lists one directory.
type loadFunc func(ctx context.Context) ([]entry, error)

// loadCall is one listing in flight; done is closed when snap or err is set.
type loadCall struct {
	done chan struct{}
	snap *listing
	err  error
}

// dirCache is one directory's view of the FS's metadata cache
// (cache.Meta): its listing and the negative lookups of its names live
// there, under the directory's bucket and prefix, with the TTLs of
// Config; what dirCache adds is sharing a listing in progress. A listing
// runs detached from the FUSE request that started it (on the FS's
// background context), so that an interrupted readdir does not throw away
// the pages fetched so far: callers that retry, and concurrent callers,
// wait for the same listing.
type dirCache struct {
	meta           *cache.Meta
	bucket, prefix string
	clock          func() time.Time
	bg             context.Context // parent of listings; cancelled by FS.Close
	load           loadFunc

	mu       sync.Mutex // guards inflight
	inflight *loadCall  // listing in progress, or nil
}

func (f *FS) newDirCache(bucket, prefix string, load loadFunc) *dirCache {
	return &dirCache{meta: f.meta, bucket: bucket, prefix: prefix, clock: f.cfg.Clock, bg: f.bg, load: load}
}

// fresh returns the cached listing if it is younger than ListTTL, else
// nil.
func (c *dirCache) fresh() *listing {
	l, stored, ok := c.meta.GetDirAt(c.bucket, c.prefix)
	if !ok {
		return nil
	}
	return &listing{l: l, fetched: stored}
}

// get returns a listing younger than ListTTL, listing the directory when
// the cache has none. It returns early with ctx's error when ctx is done;
// the listing carries on and its result is cached.
func (c *dirCache) get(ctx context.Context) (*listing, error) {
	if snap := c.fresh(); snap != nil {
		return snap, nil
	}
	c.mu.Lock()
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

// run lists the directory and publishes the result. A listing that a
// change made through the mount may have overtaken is redone (up to
// listAttempts), so the listing callers get shows every change that
// completed before they asked.
func (c *dirCache) run(call *loadCall) {
	ctx, cancel := context.WithTimeout(c.bg, listTimeout)
	defer cancel()
	for range listAttempts {
		var cached bool
		call.snap, cached, call.err = c.listOnce(ctx)
		if call.err != nil || cached {
			break
		}
	}
	c.mu.Lock()
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
}

// listOnce lists the directory and caches the result unless the directory
// changed through the mount meanwhile (cached false; listings are never
// cached when ListTTL is off, and then cached is true).
func (c *dirCache) listOnce(ctx context.Context) (*listing, bool, error) {
	tok := c.meta.Begin()
	started := c.clock()
	entries, err := c.load(ctx)
	if err != nil {
		return nil, false, err
	}
	l, err := newCacheListing(entries)
	if err != nil {
		return nil, false, fmt.Errorf("list s3://%s/%s: %w", c.bucket, c.prefix, err)
	}
	cached := c.meta.PutDirSince(tok, c.bucket, c.prefix, l)
	return &listing{l: l, fetched: started}, cached, nil
}

// begin marks the start of a lookup whose negative answer putNegative may
// cache.
func (c *dirCache) begin() cache.Token { return c.meta.Begin() }

// isNegative reports whether name was found missing (neither a file nor a
// directory) less than StatTTL ago, and nothing made through the mount
// has created it since.
func (c *dirCache) isNegative(name string) bool {
	file, ok := c.meta.GetStat(c.bucket, c.fileKey(name))
	if !ok || file.Exists {
		return false
	}
	dir, ok := c.meta.GetStat(c.bucket, c.fileKey(name)+"/")
	return ok && !dir.Exists
}

// absentByKey reports whether name was found missing by a lookup of that
// name itself (a HEAD and a one-key listing, or a removal through the
// mount) less than StatTTL ago: not merely absent from a listing, which is
// trusted for the longer ListTTL.
func (c *dirCache) absentByKey(name string) bool {
	for _, key := range []string{c.fileKey(name), c.fileKey(name) + "/"} {
		st, ok := c.meta.GetStat(c.bucket, key)
		if !ok || st.Exists || st.Listed {
			return false
		}
	}
	return true
}

// putNegative remembers that name was found missing by a lookup that began
// at tok, unless the directory changed through the mount since (both
// kinds: a file name and a directory name).
func (c *dirCache) putNegative(tok cache.Token, name string) {
	if c.meta.PutNegativeSince(tok, c.bucket, c.fileKey(name)) {
		c.meta.PutNegativeSince(tok, c.bucket, c.fileKey(name)+"/")
	}
}

// fileKey is the key of name in this directory (at the root of s3://, the
// bucket's name).
func (c *dirCache) fileKey(name string) string { return c.prefix + name }

// newCacheListing converts merged entries (sorted, unique) to the compact
// form the metadata cache keeps.
func newCacheListing(entries []entry) (*cache.Listing, error) {
	ce := make([]cache.Entry, len(entries))
	for i, e := range entries {
		ce[i] = cacheEntry(e)
	}
	return cache.NewListing(ce)
}

// cacheEntry is e as the metadata cache keeps it.
func cacheEntry(e entry) cache.Entry {
	return cache.Entry{Name: e.name, IsDir: e.dir, IsLink: e.link, Size: e.size, MTime: e.mtime, ETag: e.etag}
}

func fromCacheEntry(e cache.Entry) entry {
	return entry{name: e.Name, dir: e.IsDir, link: e.IsLink, size: e.Size, etag: e.ETag, mtime: e.MTime}
}
