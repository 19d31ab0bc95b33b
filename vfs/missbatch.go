package vfs

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/remote"
)

// Batched missing names: a program that creates many files in a directory
// (cp -r, tar x, rsync, a job writing its outputs) makes the kernel look
// each new name up first, and every such lookup of a missing name was a
// probe (a HEAD of the name, one of NAME.rclonelink and a one-key listing,
// sent together): one round trip per file on top of its PutObject, so
// cp -r of small files ran at half the PutObject rate.
//
// So once missBatchAfter lookups in a directory found names missing, each
// within StatTTL of the one before, the next lookup there that would probe
// lists the directory
// instead (one ListObjectsV2 page, sent alone) and, when that page holds
// the whole directory, keeps it as a batch of missing names: for StatTTL
// from when it was sent, a lookup of a name the page lacks is answered
// "missing" without a request, exactly what a failed lookup of that name
// would have been trusted for (README, Caching and consistency). It never
// answers that a name exists (a present name is probed as before) and it
// is not a listing: readdir, rmdir's emptiness check and ListTTL are
// untouched, so an object another client writes in the directory is
// listed at once and rm -rf removes it. A directory whose listing does not
// fit one page is not batched again for ListTTL.
//
// Names changed through the mount after the page was requested (created,
// removed, renamed: noteUpsert, noteRemove, noteInvalidate, noteLink) are
// left out of the batch and answered as before; a change of a directory
// drops the batches below it.

// missBatchAfter is how many lookups in one directory must have found
// names missing (each within StatTTL of the one before) before the next
// lists the directory.
const missBatchAfter = 2

// missBatchDirsMax bounds the directories followed at once.
const missBatchDirsMax = 64

// missBatches is one FS's batches of missing names, per directory.
type missBatches struct {
	mu   sync.Mutex // guards dirs and every missBatch; a leaf
	dirs map[dirKey]*missBatch
}

// missBatch is one directory's recent misses and batch.
type missBatch struct {
	misses   int       // lookups that found names missing, each within StatTTL of the one before
	lastMiss time.Time // the last of them
	// l is the batch: the directory's complete listing, requested at
	// sent; nil while none is held.
	l    *cache.Listing
	sent time.Time
	// touched holds the names changed through the mount since sent
	// (also while the listing is in flight).
	touched map[string]bool
	busy    bool      // a listing is in flight
	tooBig  time.Time // when a listing did not fit one page
}

func newMissBatches() *missBatches { return &missBatches{dirs: map[dirKey]*missBatch{}} }

// getLocked returns the directory's state, created if need be (m.mu
// held).
func (m *missBatches) getLocked(k dirKey) *missBatch {
	b := m.dirs[k]
	if b == nil {
		if len(m.dirs) >= missBatchDirsMax {
			for old := range m.dirs {
				delete(m.dirs, old)
				break
			}
		}
		b = &missBatch{}
		m.dirs[k] = b
	}
	return b
}

// noteMiss records that a probe found a name of d missing at now.
func (f *FS) noteMiss(d *Dir, now time.Time) {
	ttl := f.cfg.statTTL()
	if ttl <= 0 || d.bucket == "" {
		return
	}
	m := f.misses
	m.mu.Lock()
	defer m.mu.Unlock()
	m.getLocked(dirKey{d.bucket, d.prefix()}).missLocked(now, ttl)
}

// missLocked counts a lookup that found a name missing at now (m.mu held).
func (b *missBatch) missLocked(now time.Time, ttl time.Duration) {
	if now.Sub(b.lastMiss) >= ttl {
		b.misses = 0
	}
	b.misses++
	b.lastMiss = now
}

// knownMissing reports whether the batch of d, while fresh, says name is
// missing; it sends nothing.
func (f *FS) knownMissing(d *Dir, name string) bool {
	if d.bucket == "" {
		return false
	}
	m, now := f.misses, f.cfg.Clock()
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.dirs[dirKey{d.bucket, d.prefix()}]
	return b != nil && b.missingLocked(name, now, f.cfg.statTTL())
}

// missingLocked answers from a fresh batch (m.mu held).
func (b *missBatch) missingLocked(name string, now time.Time, ttl time.Duration) bool {
	if b.l == nil || b.busy || now.Sub(b.sent) >= ttl || b.touched[name] {
		return false
	}
	_, present := b.l.Lookup(name)
	return !present
}

// batchMissing answers a lookup of name in d that would otherwise probe:
// true when a fresh batch says it is missing. When d had missBatchAfter
// misses within StatTTL and holds no fresh batch, it lists d first (one
// page) to take one. false means: probe as usual.
func (f *FS) batchMissing(ctx context.Context, d *Dir, name string) bool {
	ttl := f.cfg.statTTL()
	if ttl <= 0 || d.bucket == "" {
		return false
	}
	m, now := f.misses, f.cfg.Clock()
	k := dirKey{d.bucket, d.prefix()}
	m.mu.Lock()
	b := m.dirs[k]
	switch {
	case b == nil:
		m.mu.Unlock()
		return false
	case b.l != nil && !b.busy && now.Sub(b.sent) < ttl:
		missing := b.missingLocked(name, now, ttl)
		if missing {
			b.missLocked(now, ttl)
		}
		m.mu.Unlock()
		return missing
	case b.busy || b.misses < missBatchAfter || now.Sub(b.lastMiss) >= ttl ||
		(!b.tooBig.IsZero() && now.Sub(b.tooBig) < f.cfg.listTTL()):
		m.mu.Unlock()
		return false
	}
	b.busy, b.l, b.sent, b.touched = true, nil, now, map[string]bool{}
	m.mu.Unlock()

	l, whole := f.listOnePage(ctx, d, k.prefix)
	m.mu.Lock()
	defer m.mu.Unlock()
	b.busy = false
	switch {
	case l != nil:
		b.l = l
	case whole: // more than one page
		b.tooBig = now
	}
	missing := b.missingLocked(name, f.cfg.Clock(), ttl)
	if missing {
		b.missLocked(now, ttl)
	}
	return missing
}

// listOnePage lists directory prefix of d with one ListObjectsV2 page. It
// returns the listing when that page holds the whole directory; else nil,
// with tooBig true when the page was not the last.
func (f *FS) listOnePage(ctx context.Context, d *Dir, prefix string) (l *cache.Listing, tooBig bool) {
	page, err := f.client.List(ctx, remote.ListRequest{Bucket: d.bucket, Prefix: prefix, Delimiter: "/", MaxKeys: listPageSize})
	if err != nil {
		return nil, false
	}
	if page.NextToken != "" {
		return nil, true
	}
	mg := newMerger(d.bucket, prefix, f.warn)
	mg.addPage(page)
	l, err = newCacheListing(mg.entries())
	if err != nil {
		return nil, false
	}
	return l, false
}

// touchMissing takes key (a cache key: directories end with "/"; at the
// root of s3://, bucket "" and key "NAME/") out of the batches: its name
// in its directory's, its ancestors' names in theirs; the batches of a
// directory key and of everything below it are dropped.
func (f *FS) touchMissing(bucket, key string) {
	m := f.misses
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.dirs) == 0 {
		return
	}
	if strings.HasSuffix(key, "/") {
		for k := range m.dirs {
			if k.bucket == bucket && strings.HasPrefix(k.prefix, key) ||
				bucket == "" && k.bucket+"/" == key { // a bucket at the root of s3://
				delete(m.dirs, k)
			}
		}
	}
	rest := strings.TrimSuffix(key, "/")
	for rest != "" {
		i := strings.LastIndexByte(rest, '/')
		prefix, name := rest[:i+1], rest[i+1:]
		if b := m.dirs[dirKey{bucket, prefix}]; b != nil && b.touched != nil {
			b.touched[name] = true
			if target, ok := linkName(name); ok {
				b.touched[target] = true
			}
		}
		rest = strings.TrimSuffix(prefix, "/")
	}
}
