package vfs

import (
	"errors"

	"github.com/objfs/objfs/cache"
)

// CacheStats is a snapshot of the FS's caches: file data (Blocks) and
// metadata (Meta).
type CacheStats struct {
	Blocks cache.BlockStats
	Meta   cache.MetaStats
}

// CacheStats returns the caches' counters and levels.
func (f *FS) CacheStats() CacheStats {
	return CacheStats{Blocks: f.blocks.Stats(), Meta: f.meta.Stats()}
}

// newCaches builds the FS's block cache and metadata cache from cfg
// (defaults applied and validated).
func newCaches(cfg Config) (*cache.Blocks, *cache.Meta, error) {
	meta, err := newMeta(cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Blocks != nil {
		return cfg.Blocks, meta, nil
	}
	blocks, err := newBlocks(cfg)
	if err != nil {
		return nil, nil, err
	}
	return blocks, meta, nil
}

// newMeta builds the metadata cache: listings for ListTTL, stat results
// and negative lookups for StatTTL.
func newMeta(cfg Config) (*cache.Meta, error) {
	return cache.NewMeta(cache.MetaConfig{
		StatTTL:     cfg.statTTL(),
		ListTTL:     cfg.listTTL(),
		NegativeTTL: cfg.statTTL(),
		Clock:       cfg.Clock,
	})
}

// closeCaches closes the block cache unless it is shared (waiting for its
// fetches and disk writes; it releases the disk directory) and logs what
// the caches did.
func (f *FS) closeCaches() error {
	var err error
	if f.cfg.Blocks == nil {
		err = f.blocks.Close()
	}
	s := f.CacheStats()
	b, m, pf := s.Blocks, s.Meta, f.PrefetchStats()
	f.log.Info("cache statistics",
		"block_mem_hits", b.MemHits, "block_mem_misses", b.MemMisses, "block_joins", b.Joins,
		"block_disk_hits", b.DiskHits, "block_fetches", b.Fetches, "block_fetch_errors", b.FetchErrors,
		"block_mem_evictions", b.MemEvictions, "block_disk_evictions", b.DiskEvictions,
		"block_checksum_failures", b.ChecksumFailures, "block_disk_writes_skipped", b.DiskWritesSkipped, "block_disk_writes_late", b.DiskWritesLate,
		"prefetch_started", b.PrefetchStarted, "prefetch_dropped", b.PrefetchDropped,
		"prefetch_runs", b.Runs, "run_blocks", b.RunBlocks, "runs_aborted", b.RunsAborted,
		"block_disk_spans", b.DiskSpans, "whole_opens", b.WholeOpens, "passthrough_opens", f.passthroughOpens.Load(),
		"topup_blocks", f.topUps.blocks.Load(),
		"file_prefetch_issued", pf.Issued, "file_prefetch_hits", pf.Hits, "file_prefetch_wasted", pf.Wasted,
		"stat_hits", m.StatHits, "negative_hits", m.NegativeHits, "stat_misses", m.StatMisses,
		"list_hits", m.ListHits, "list_misses", m.ListMisses, "listings", m.Dirs, "listing_bytes", m.DirBytes)
	if err != nil {
		return errors.Join(errors.New("closing the block cache"), err)
	}
	return nil
}
