package main

import (
	"os"
	"runtime/debug"
)

// gcSlack is the heap growth objfs lets the garbage collector allow over
// the live heap before it collects.
const gcSlack = 12 << 20

// tuneGC sets the collector's target (GOGC) from the block cache's memory
// budget, unless GOGC is set in the environment. The cache is most of the
// live heap, and its blocks are recycled rather than collected
// (cache/buffer.go), so little garbage is made; but with the default
// GOGC=100 what there is could grow to the size of the whole cache before
// a collection: a 256M cache could cost 512M of memory. With GOGC = 100 *
// gcSlack / cacheBytes (1 to 100) the heap stays within about gcSlack of
// what is live once the cache is full. (While it fills, collections are
// more frequent than they need be; each is cheap, since blocks are not
// scanned.) Measured on the development VM: with a 256M cache the daemon
// peaks at 302-304 MiB during a cold 2 GiB read.
func tuneGC(cacheBytes int64) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(gcPercent(cacheBytes))
}

func gcPercent(cacheBytes int64) int {
	if cacheBytes <= 0 {
		return 100
	}
	return int(min(max(100*gcSlack/cacheBytes, 1), 100))
}
