package main

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// gcBase is the heap objfs allows beside the block cache while the live
// heap is small: go-fuse's request buffers, the SDK, listings.
const gcBase = 40 << 20

// gcSlack is the heap growth allowed over a large live heap before the
// collector runs.
const gcSlack = 12 << 20

// gcRoom is the least room under the memory limit for the small-heap
// regime: closer to the limit, the runtime would collect and return
// memory to the OS without pause.
const gcRoom = 32 << 20

var gcOnce sync.Once

// tuneGC keeps the heap near the block cache's budget, unless GOGC or
// GOMEMLIMIT is set in the environment. The cache is most of the live
// heap, and its blocks are recycled rather than collected
// (cache/buffer.go), so the default GOGC=100 would let the heap grow to
// twice the cache. watchHeap picks, four times a second, one of two
// regimes by the live heap (gcSettings):
//   - small (at least gcRoom under the cache budget plus gcBase, as when
//     reading many small files): GOGC=100 under a soft memory limit of
//     the budget plus gcBase, so the collector runs rarely. A GOGC tuned to the budget
//     throughout (4 for 256 MiB) collected every few megabytes there and
//     cost 30% of the daemon's CPU;
//   - large: no limit and a GOGC that allows gcSlack over the live heap.
//     A memory limit here would make the runtime return and refault
//     memory without pause once writes' buffers sit on top of a full
//     cache (a 1 GiB write after a cold read: 3.3 CPU s instead of 1.4).
//
// Measured on the development VM with a 256M cache, against GOGC=4
// throughout: 1,000 small files read by 16 readers cost the daemon 0.63
// CPU s instead of 0.88; a cold 2 GiB read used a third of the user CPU
// and peaked at 281-315 MiB RSS (as before); a 1 GiB write after it cost
// the same 1.4-1.6 CPU s.
func tuneGC(cacheBytes int64) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	gcOnce.Do(func() {
		pct, limit := gcSettings(cacheBytes, 0)
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
		go watchHeap(cacheBytes, pct, limit)
	})
}

// gcSettings returns GOGC and the memory limit for a cache budget and a
// live heap (see tuneGC).
func gcSettings(cacheBytes, live int64) (pct int, limit int64) {
	if cacheBytes <= 0 {
		return 100, math.MaxInt64
	}
	if live+gcRoom <= cacheBytes+gcBase {
		return 100, cacheBytes + gcBase
	}
	return int(min(max(100*gcSlack/max(live, 1), 1), 100)), math.MaxInt64
}

// watchHeap applies gcSettings for the live heap four times a second.
func watchHeap(cacheBytes int64, pct int, limit int64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for range time.Tick(250 * time.Millisecond) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		p, l := gcSettings(cacheBytes, int64(sample[0].Value.Uint64()))
		if p != pct {
			debug.SetGCPercent(p)
			pct = p
		}
		if l != limit {
			debug.SetMemoryLimit(l)
			limit = l
		}
	}
}
