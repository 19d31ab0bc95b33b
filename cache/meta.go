package cache

import (
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Stat is a cached stat result; Exists false is a negative entry ("no such
// key"), which is cached for NegativeTTL.
type Stat struct {
	Exists bool
	Entry  Entry
	// Stored is when the answer was cached: its stat entry, or the
	// listing it came from (its TTL counts from then). Callers that keep
	// attributes of their own use it to order them against fresher news.
	Stored time.Time
	// Listed: the answer came from the parent's listing (trusted for the
	// listing TTL), not from a stat or negative entry of the key itself.
	Listed bool
}

// MetaStats is a snapshot of a Meta cache's counters and levels.
type MetaStats struct {
	StatHits     int64 // positive stat answers (from a stat or a listing)
	NegativeHits int64 // negative stat answers
	StatMisses   int64
	ListHits     int64
	ListMisses   int64
	Stats        int64 // stat entries held
	Dirs         int64 // listings held
	DirBytes     int64 // sum of their Bytes()
}

type objKey struct{ bucket, key string }

// statRec is a stat result without its name (derived from the key).
type statRec struct {
	exists, isDir, isLink bool
	size, mtime           int64
	etag                  string
	expires               int64 // unix nanos
}

type dirRec struct {
	l       *Listing
	expires int64
}

// Meta caches stat results and directory listings per bucket and key, with
// TTLs, LRU bounds and a byte budget for listings. Every method takes mu,
// the only lock, for a short, allocation-light critical section (listing
// copies in Upsert and Remove are O(entries) under it; see doc.go).
type Meta struct {
	cfg MetaConfig

	mu       sync.Mutex // guards every field below
	stats    *simplelru.LRU[objKey, statRec]
	dirs     *simplelru.LRU[objKey, dirRec]
	dirBytes int64 // sum of Bytes() of the listings in dirs
	// seq counts mutations; mutated maps a directory (bucket, prefix) to
	// the seq of the last mutation inside it, and floor is the highest seq
	// that fell out of mutated.
	seq     uint64
	mutated *simplelru.LRU[objKey, uint64]
	floor   uint64
	ctr     MetaStats // counters only; levels filled by Stats
}

// NewMeta builds a metadata cache from cfg (SetDefaults, then Validate).
func NewMeta(cfg MetaConfig) (*Meta, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("metadata cache config: %w", err)
	}
	m := &Meta{cfg: cfg}
	m.stats, _ = simplelru.NewLRU[objKey, statRec](cfg.MaxStats, nil)
	m.dirs, _ = simplelru.NewLRU(cfg.MaxDirs, func(_ objKey, d dirRec) { m.dirBytes -= d.l.Bytes() })
	m.mutated, _ = simplelru.NewLRU(mutationMemory, func(_ objKey, seq uint64) { m.floor = max(m.floor, seq) })
	return m, nil
}

func (m *Meta) now() int64 { return m.cfg.Clock().UnixNano() }

// GetDir returns the cached listing of the directory whose key prefix is
// prefix ("" or ending in "/") if it is younger than ListTTL. The listing
// is shared and immutable.
func (m *Meta) GetDir(bucket, prefix string) (*Listing, bool) {
	l, _, ok := m.GetDirAt(bucket, prefix)
	return l, ok
}

// GetDirAt is GetDir that also returns when the listing was stored (its
// TTL counts from then; a listing updated by Upsert or Remove keeps the
// time of the listing it replaced).
func (m *Meta) GetDirAt(bucket, prefix string) (*Listing, time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.freshDirLocked(objKey{bucket, prefix})
	if !ok {
		m.ctr.ListMisses++
		return nil, time.Time{}, false
	}
	m.ctr.ListHits++
	return d.l, m.storedAt(d.expires, m.cfg.ListTTL), true
}

// PeekDir is GetDir for bookkeeping (the data-loader prefetch matching an
// open against the listing): it counts no hit or miss and leaves the
// listing's recency as it is.
func (m *Meta) PeekDir(bucket, prefix string) (*Listing, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs.Peek(objKey{bucket, prefix})
	if !ok || m.now() >= d.expires {
		return nil, false
	}
	return d.l, true
}

func (m *Meta) freshDirLocked(k objKey) (dirRec, bool) {
	d, ok := m.dirs.Get(k)
	if !ok {
		return dirRec{}, false
	}
	if m.now() >= d.expires {
		m.dirs.Remove(k)
		return dirRec{}, false
	}
	return d, true
}

// storedAt is when an entry expiring at expires (unix nanos) with ttl was
// stored.
func (m *Meta) storedAt(expires int64, ttl time.Duration) time.Time {
	return time.Unix(0, expires-int64(ttl)).In(m.cfg.Clock().Location())
}

// PutDir caches l as the listing of prefix for ListTTL. Prefer PutDirSince,
// which cannot store a listing older than a write made through the mount.
func (m *Meta) PutDir(bucket, prefix string, l *Listing) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putDirLocked(objKey{bucket, prefix}, l, m.now()+int64(m.cfg.ListTTL))
}

// putDirLocked stores l until expires, evicting old listings to stay
// within MaxListBytes; a nil listing, one bigger than the whole budget, or
// a zero ListTTL leaves the directory uncached.
func (m *Meta) putDirLocked(k objKey, l *Listing, expires int64) {
	m.dirs.Remove(k)
	size := l.Bytes()
	if l == nil || m.cfg.ListTTL == 0 || size > m.cfg.MaxListBytes {
		return
	}
	for m.dirBytes+size > m.cfg.MaxListBytes {
		if _, _, ok := m.dirs.RemoveOldest(); !ok {
			break
		}
	}
	m.dirs.Add(k, dirRec{l: l, expires: expires})
	m.dirBytes += size
}

// GetStat answers for key (a file's key, or a directory's as "dir/"): from
// its stat entry if one is fresh, else from the fresh listing of its parent
// directory, where a missing name (or one of the other kind) is a negative
// answer since a listing is complete. The second result is false when the
// cache cannot answer.
func (m *Meta) GetStat(bucket, key string) (Stat, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.getStatLocked(bucket, key)
	switch {
	case !ok:
		m.ctr.StatMisses++
	case st.Exists:
		m.ctr.StatHits++
	default:
		m.ctr.NegativeHits++
	}
	return st, ok
}

func (m *Meta) getStatLocked(bucket, key string) (Stat, bool) {
	if key == "" {
		return Stat{}, false
	}
	k := objKey{bucket, key}
	if r, ok := m.stats.Get(k); ok {
		if m.now() < r.expires {
			st := r.stat(key)
			ttl := m.cfg.NegativeTTL
			if r.exists {
				ttl = m.cfg.StatTTL
			}
			st.Stored = m.storedAt(r.expires, ttl)
			return st, true
		}
		m.stats.Remove(k)
	}
	d, ok := m.freshDirLocked(objKey{bucket, parentPrefix(key)})
	if !ok {
		return Stat{}, false
	}
	stored := m.storedAt(d.expires, m.cfg.ListTTL)
	e, found := d.l.Lookup(baseName(key))
	if !found || e.IsDir != isDirKey(key) {
		return Stat{Stored: stored, Listed: true}, true
	}
	return Stat{Exists: true, Entry: e, Stored: stored, Listed: true}, true
}

func (r statRec) stat(key string) Stat {
	if !r.exists {
		return Stat{}
	}
	e := Entry{Name: baseName(key), IsDir: r.isDir, IsLink: r.isLink, Size: r.size, ETag: r.etag}
	if r.mtime != noMTime {
		e.MTime = time.Unix(0, r.mtime).UTC()
	}
	return Stat{Exists: true, Entry: e}
}

// PutStat caches a positive stat of key for StatTTL (e.Name is ignored:
// the name comes from key). Prefer PutStatSince.
func (m *Meta) PutStat(bucket, key string, e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putStatLocked(objKey{bucket, key}, e)
}

func (m *Meta) putStatLocked(k objKey, e Entry) {
	if m.cfg.StatTTL == 0 {
		m.stats.Remove(k)
		return
	}
	m.stats.Add(k, statRec{exists: true, isDir: isDirKey(k.key), isLink: e.IsLink, size: e.Size, mtime: mtimeNanos(e),
		etag: e.ETag, expires: m.now() + int64(m.cfg.StatTTL)})
}

// PutNegative caches "no such key" for key for NegativeTTL. Prefer
// PutNegativeSince.
func (m *Meta) PutNegative(bucket, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putNegativeLocked(objKey{bucket, key})
}

func (m *Meta) putNegativeLocked(k objKey) {
	if m.cfg.NegativeTTL == 0 {
		m.stats.Remove(k)
		return
	}
	m.stats.Add(k, statRec{expires: m.now() + int64(m.cfg.NegativeTTL)})
}

// Stats returns a snapshot of the counters and levels.
func (m *Meta) Stats() MetaStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.ctr
	s.Stats, s.Dirs, s.DirBytes = int64(m.stats.Len()), int64(m.dirs.Len()), m.dirBytes
	return s
}
