package cache

import "sync/atomic"

// BlockStats is a snapshot of a Blocks cache's counters. Counters only grow;
// the *Bytes and *Blocks fields are current levels.
type BlockStats struct {
	MemHits   int64 // Get served from the memory tier
	MemMisses int64 // Get not found in the memory tier
	Joins     int64 // Get that waited on a fill already in flight
	DiskHits  int64 // fills served from the disk tier
	// DiskMisses counts fills that found no valid disk block (none
	// without a disk tier: there was nothing to miss).
	DiskMisses       int64
	Fetches          int64 // fetch callbacks run
	FetchErrors      int64 // fetch callbacks that failed (or returned too much)
	MemEvictions     int64
	DiskEvictions    int64
	ChecksumFailures int64 // disk blocks rejected: bad header, CRC, length or key
	DiskErrors       int64 // disk reads or writes that failed with an I/O error
	// DiskWritesSkipped counts fetched blocks not written to disk because
	// DiskWriteQueue writes were pending (the disk is slower than fetches).
	DiskWritesSkipped int64
	// DiskWritesLate counts skipped blocks written later: when the memory
	// tier evicted them, or at Close.
	DiskWritesLate  int64
	PrefetchStarted int64 // prefetch fills started, runs included
	PrefetchDropped int64 // Prefetch calls refused because MaxPrefetch fills were running
	// Runs counts PrefetchRun fills (one request for several blocks),
	// RunBlocks the blocks they delivered, RunsAborted the runs that
	// ended before their last block (whose other blocks were then
	// fetched on demand).
	Runs, RunBlocks, RunsAborted int64
	// DiskSpans counts reads answered with a span of a disk block
	// (AcquireSpan: spliced, not read into memory); WholeOpens the fully
	// cached objects opened from the disk tier (OpenWhole: passthrough).
	DiskSpans, WholeOpens int64

	MemBytes   int64 // bytes held by the memory tier (sum of block capacities)
	MemBlocks  int64
	DiskBytes  int64 // bytes of disk blocks and index files, plus blocks being written
	DiskBlocks int64
}

// blockCounters are the atomics behind BlockStats. Levels (bytes, blocks)
// are not here: each tier reports its own under its lock.
type blockCounters struct {
	memHits, memMisses, joins         atomic.Int64
	diskHits, diskMisses              atomic.Int64
	fetches, fetchErrors              atomic.Int64
	memEvictions, diskEvictions       atomic.Int64
	checksumFailures, diskErrors      atomic.Int64
	diskWritesSkipped, diskWritesLate atomic.Int64
	prefetchStarted, prefetchDropped  atomic.Int64
	runs, runBlocks, runsAborted      atomic.Int64
	diskSpans, wholeOpens             atomic.Int64
}

func (c *blockCounters) snapshot() BlockStats {
	return BlockStats{
		MemHits:           c.memHits.Load(),
		MemMisses:         c.memMisses.Load(),
		Joins:             c.joins.Load(),
		DiskHits:          c.diskHits.Load(),
		DiskMisses:        c.diskMisses.Load(),
		Fetches:           c.fetches.Load(),
		FetchErrors:       c.fetchErrors.Load(),
		MemEvictions:      c.memEvictions.Load(),
		DiskEvictions:     c.diskEvictions.Load(),
		ChecksumFailures:  c.checksumFailures.Load(),
		DiskErrors:        c.diskErrors.Load(),
		DiskWritesSkipped: c.diskWritesSkipped.Load(),
		DiskWritesLate:    c.diskWritesLate.Load(),
		PrefetchStarted:   c.prefetchStarted.Load(),
		PrefetchDropped:   c.prefetchDropped.Load(),
		Runs:              c.runs.Load(),
		RunBlocks:         c.runBlocks.Load(),
		RunsAborted:       c.runsAborted.Load(),
		DiskSpans:         c.diskSpans.Load(),
		WholeOpens:        c.wholeOpens.Load(),
	}
}
