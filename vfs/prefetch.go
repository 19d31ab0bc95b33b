package vfs

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/cache"
)

// The data-loader prefetch: a program that opens the files of a directory
// one after another in listing order (a training epoch, `tar c`, `cp -r`,
// `cat dir/*`) finds the next files' first blocks already fetched when it
// opens them. The kernel cannot do this (its readahead stops at the end of
// each file), and with files of a few hundred KiB the time to first byte
// of every GET, not bandwidth, is what bounds such a reader.
//
// Detection is per directory, against an order of its entries (its
// listing, or the previous pass of opens: prefetch_order.go): an open of
// an entry near the previous one's (within prefetchSlack entries either
// way, since parallel readers open slightly out of order) extends a
// streak; any other open ends it. From a streak of prefetchStreak on, the
// next Ahead files after the furthest one opened are handed to the
// workers (each file once per streak). Random opens never reach a streak,
// so they fetch only what they read. A file the readers reach while it is
// still queued is left to them.
//
// What is fetched is block 0 of each file, pinned to the ETag the order
// gave (the listing's, or the one the last open pinned) like any read
// (If-Match, and the ETag is part of the block's identity): an object that
// changed since is never served from it, its prefetched block just ages
// out. Files the connector does not let this mount read, files being
// written through the mount, links, empty files and objects without an
// ETag are skipped.
//
// Bounds: Ahead is at most what fits a quarter of the memory budget (as
// readahead's window); at most prefetchWorkers (and at most Ahead)
// fetches run at once, on workers of their own (not the readahead's
// prefetch slots, so sequential readers of large files keep theirs), fed
// by a queue of Ahead jobs that drops rather than blocks; the workers
// start at the first prefetch and stop at Close (their fetches use the
// FS's background context, which Close cancels, and Close waits for
// them).

// Defaults and bounds of the data-loader prefetch, measured with bench row
// 5b (1,000 files of 128 KiB, one reader in listing order; 2-core VM
// shared with other work, load average 10 to 29, so medians of three
// runs). The reader catches up with the prefetch (a cached file takes it
// a millisecond, a GET several): with 4 workers 30% of the files were
// prefetched in time (median 334 files/s, 0.88x raw one GET after
// another), with 8 workers 58% (453 files/s, 1.10x); 16 readers did not
// slow down (476 and 465 files/s). PrefetchFiles then decides how far
// ahead the queue reaches: 4, 16 and 64 were within each other's noise
// (medians 345, 384, 242 files/s with 4 workers), and 16 leaves parallel
// readers (which open up to 16 files out of order) room ahead of them.
const (
	DefaultPrefetchFiles = 16
	// NoPrefetch, as ReadCacheConfig.PrefetchFiles, turns it off.
	NoPrefetch = -1

	prefetchStreak  = 2  // opens in order before prefetching starts
	prefetchSlack   = 16 // how far out of order an open may land
	prefetchWorkers = 8  // fetches in flight at once, per FS (fewer when PrefetchFiles is)
	// prefetchPendingMax bounds the files remembered as prefetched and
	// not yet opened (for the hit and wasted counters).
	prefetchPendingMax = 4096
)

// PrefetchStats counts the data-loader prefetch's files: Issued were
// fetched (block 0) ahead of an open; Hits were then opened with that
// block cached or still arriving; Wasted were not (evicted, changed,
// failed, or never opened before they were forgotten or the FS closed).
type PrefetchStats struct {
	Issued, Hits, Wasted int64
}

// filePrefetch is one FS's data-loader prefetch.
type filePrefetch struct {
	fsys  *FS
	ahead int // files fetched ahead of the furthest open; 0: off
	jobs  chan prefetchJob
	ctx   context.Context // the FS's background context
	wg    sync.WaitGroup  // the workers

	// mu guards the fields below. It is a leaf: nothing else is taken
	// while holding it.
	mu      sync.Mutex
	started bool // the workers run
	stopped bool // Close was called: nothing more starts
	dirs    map[dirKey]*dirOrder
	hist    map[dirKey]*openHistory
	pending map[objectKey]*prefetched

	issued, hits, wasted atomic.Int64
}

type dirKey struct{ bucket, prefix string }

type objectKey struct{ bucket, key string }

// prefetchJob is a file to prefetch: entry idx of sequence seq of
// directory dir.
type prefetchJob struct {
	obj object
	dir dirKey
	seq sequence
	idx int
}

// prefetched is a file whose block 0 a worker fetched, not opened since.
type prefetched struct {
	etag string
	done bool // the fetch ended (the block is cached unless it failed)
	ok   bool // it ended without error
}

func newFilePrefetch(f *FS) *filePrefetch {
	ahead := f.cfg.ReadCache.prefetchFiles(f.cfg.BlockSize)
	return &filePrefetch{
		fsys: f, ahead: ahead, ctx: f.bg, jobs: make(chan prefetchJob, max(ahead, 1)),
		dirs: map[dirKey]*dirOrder{}, hist: map[dirKey]*openHistory{}, pending: map[objectKey]*prefetched{},
	}
}

// PrefetchStats returns the data-loader prefetch's counters.
func (f *FS) PrefetchStats() PrefetchStats {
	p := f.prefetch
	return PrefetchStats{Issued: p.issued.Load(), Hits: p.hits.Load(), Wasted: p.wasted.Load()}
}

// opened records that n was opened for reading as e (its name in d, and
// the version pinned); it counts a hit or a waste if n was prefetched, and
// prefetches the next files of d when the opens follow an order
// (prefetch_order.go).
func (p *filePrefetch) opened(d *Dir, n *File, e entry) {
	// The order first, then the counters: a worker that has not recorded
	// this file yet then sees it opened and leaves it (fetch).
	from, to, seq := p.order(d, e)
	p.account(objectKey{n.bucket, n.objKey()}, e.etag)
	k := dirKey{d.bucket, d.prefix()}
	for i := from; i < to; i++ {
		if !p.offer(d, seq.at(i), seq, i) {
			p.handedOut(k, seq, i)
			return
		}
	}
}

// offer queues block 0 of entry e of d (entry idx of seq) for a worker,
// unless e is no file to prefetch (then it reports true: skipped, not
// refused). It reports false when the queue is full.
func (p *filePrefetch) offer(d *Dir, e entry, seq sequence, idx int) bool {
	if e.dir || e.link || e.size == 0 || e.etag == "" {
		return true
	}
	key := fileKey(d.prefix(), e.name)
	if c := p.fsys.cfg.Connector; c != nil && !c.Decide(acl.OpRead, d.bucket, key).Allowed() {
		return true // never fetch what this mount may not read
	}
	if _, local := d.localEntry(e.name); local {
		return true // being written: reads go through the writer
	}
	obj := object{bucket: d.bucket, key: key, etag: e.etag, size: e.size}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return true
	}
	if !p.started {
		p.started = true
		for range min(prefetchWorkers, p.ahead) {
			p.wg.Add(1)
			go p.work()
		}
	}
	select {
	case p.jobs <- prefetchJob{obj: obj, dir: dirKey{d.bucket, d.prefix()}, seq: seq, idx: idx}:
		return true
	default:
		return false
	}
}

// work fetches queued files' first blocks until Close.
func (p *filePrefetch) work() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case job := <-p.jobs:
			p.fetch(job)
		}
	}
}

// fetch brings block 0 of the job's file into the cache, unless it is
// there, or the readers have caught up with it meanwhile (opened it or a
// file after it: then their own reads fetch it, and a prefetch would only
// join them).
func (p *filePrefetch) fetch(job prefetchJob) {
	obj := job.obj
	if p.ctx.Err() != nil {
		return
	}
	r := newReader(p.fsys, obj)
	k := r.key(0)
	if p.fsys.blocks.Contains(k) {
		return
	}
	ok := objectKey{obj.bucket, obj.key}
	rec := &prefetched{etag: obj.etag}
	p.mu.Lock()
	if o := p.dirs[job.dir]; o == nil || o.seq != job.seq || o.hi >= job.idx {
		p.mu.Unlock()
		return
	}
	if len(p.pending) >= prefetchPendingMax {
		for old := range p.pending {
			delete(p.pending, old)
			p.wasted.Add(1)
			break
		}
	}
	if _, dup := p.pending[ok]; !dup {
		p.issued.Add(1)
	}
	p.pending[ok] = rec
	p.mu.Unlock()
	v, err := p.fsys.blocks.Acquire(p.ctx, k, r.fetcher(0))
	if err == nil {
		v.Release()
	}
	p.mu.Lock()
	rec.done, rec.ok = true, err == nil
	p.mu.Unlock()
}

// account counts an open of k pinned to etag against the prefetch: a hit
// when its block 0 was prefetched for that version and is cached or still
// arriving, else wasted.
func (p *filePrefetch) account(k objectKey, etag string) {
	p.mu.Lock()
	rec, ok := p.pending[k]
	var r prefetched
	if ok {
		r = *rec
	}
	delete(p.pending, k)
	p.mu.Unlock()
	if !ok {
		return
	}
	hit := r.etag == etag && (!r.done || r.ok &&
		p.fsys.blocks.Contains(cache.BlockKey{Bucket: k.bucket, Key: k.key, ETag: etag, Index: 0}))
	if hit {
		p.hits.Add(1)
	} else {
		p.wasted.Add(1)
	}
}

// stop ends the prefetch (Close, after the background context was
// cancelled): nothing more starts, the workers are waited for, and files
// prefetched but never opened are counted as wasted.
func (p *filePrefetch) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	p.wasted.Add(int64(len(p.pending)))
	clear(p.pending)
	p.mu.Unlock()
}
