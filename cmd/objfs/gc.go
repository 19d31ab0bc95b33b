package main

import (
	"os"
	"runtime/debug"
)

// gcSlack is the heap growth objfs lets the garbage collector allow over
// the live heap before it collects.
const gcSlack = 24 << 20

// tuneGC sets the collector's target (GOGC) from the block cache's memory
// budget, unless GOGC is set in the environment. The cache is most of the
// live heap and its blocks are large, pointer-free and long-lived, so a
// collection is cheap (they are not scanned) while the default GOGC=100
// would let garbage grow to the size of the whole cache: a 256M cache
// would cost over 512M of memory. With GOGC = 100 * gcSlack / cacheBytes
// (1 to 100) the heap stays within about gcSlack of what is live.
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
