package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/objfs/objfs/cache"
)

// Stats is a snapshot of one tree's caches and uploads.
type Stats struct {
	Blocks cache.BlockStats
	Meta   cache.MetaStats
	// PendingFiles and PendingBytes are the files written through the
	// tree that S3 has not acknowledged yet, and their bytes.
	PendingFiles int64
	PendingBytes int64
	// PrefetchIssued, PrefetchHits and PrefetchWasted count the files
	// the data-loader prefetch fetched ahead of an open, those then
	// opened in time, and the others (vfs.PrefetchStats).
	PrefetchIssued, PrefetchHits, PrefetchWasted int64
}

// Source returns a tree's Stats; it is called at every scrape and must be
// safe for concurrent use.
type Source func() Stats

// AddSource registers a tree whose caches and uploads are exported; the
// values of several trees are summed.
func (m *Metrics) AddSource(s Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources = append(m.sources, s)
}

// total sums the Stats of every source.
func (m *Metrics) total() Stats {
	m.mu.Lock()
	sources := append([]Source(nil), m.sources...)
	m.mu.Unlock()
	var t Stats
	for _, s := range sources {
		add(&t, s())
	}
	return t
}

func add(t *Stats, s Stats) {
	b, tb := s.Blocks, &t.Blocks
	tb.MemHits += b.MemHits
	tb.MemMisses += b.MemMisses
	tb.DiskHits += b.DiskHits
	tb.DiskSpans += b.DiskSpans
	tb.DiskMisses += b.DiskMisses
	tb.Fetches += b.Fetches
	tb.FetchErrors += b.FetchErrors
	tb.MemEvictions += b.MemEvictions
	tb.DiskEvictions += b.DiskEvictions
	tb.MemBytes += b.MemBytes
	tb.MemBlocks += b.MemBlocks
	tb.DiskBytes += b.DiskBytes
	tb.DiskBlocks += b.DiskBlocks
	mt, tm := s.Meta, &t.Meta
	tm.StatHits += mt.StatHits
	tm.NegativeHits += mt.NegativeHits
	tm.StatMisses += mt.StatMisses
	tm.ListHits += mt.ListHits
	tm.ListMisses += mt.ListMisses
	tm.Stats += mt.Stats
	tm.Dirs += mt.Dirs
	t.PendingFiles += s.PendingFiles
	t.PendingBytes += s.PendingBytes
	t.PrefetchIssued += s.PrefetchIssued
	t.PrefetchHits += s.PrefetchHits
	t.PrefetchWasted += s.PrefetchWasted
}

// treeDescs describes the metrics read from the sources.
type treeDescs struct {
	hits, misses, bytes, blocks, evictions *prometheus.Desc // {tier}
	fetches, fetchErrors                   *prometheus.Desc
	metaHits, metaMisses, metaEntries      *prometheus.Desc // {kind}
	pendingFiles, pendingBytes             *prometheus.Desc
	prefetchFiles                          *prometheus.Desc // {result}
}

func newTreeDescs(ns string) treeDescs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, nil)
	}
	return treeDescs{
		hits:         d("cache_hits_total", "Block cache lookups answered by a tier (memory, or disk on a memory miss).", "tier"),
		misses:       d("cache_misses_total", "Block cache lookups a tier could not answer.", "tier"),
		bytes:        d("cache_bytes", "Bytes of file data held by a block cache tier.", "tier"),
		blocks:       d("cache_blocks", "Blocks held by a block cache tier.", "tier"),
		evictions:    d("cache_evictions_total", "Blocks evicted from a tier to stay within its budget.", "tier"),
		fetches:      d("cache_fetches_total", "Blocks fetched from S3 into the block cache."),
		fetchErrors:  d("cache_fetch_errors_total", "Block fetches that failed."),
		metaHits:     d("metadata_cache_hits_total", "Metadata cache answers, by kind (stat, negative, list).", "kind"),
		metaMisses:   d("metadata_cache_misses_total", "Metadata cache misses, by kind (stat, list).", "kind"),
		metaEntries:  d("metadata_cache_entries", "Metadata cache entries held, by kind (stat, list).", "kind"),
		pendingFiles: d("uploads_pending", "Files written through the mount whose changes S3 has not acknowledged yet."),
		pendingBytes: d("upload_bytes_pending", "Bytes of those files not yet acknowledged by S3."),
		prefetchFiles: d("prefetch_files_total", "Files whose first block the data-loader prefetch fetched before they were opened "+
			"(result issued), then opened in time (hit), or evicted, changed, failed or never opened (wasted).", "result"),
	}
}

// treeCollector exports the summed Stats of the sources at scrape time.
type treeCollector struct {
	m     *Metrics
	descs treeDescs
}

func (c *treeCollector) Describe(ch chan<- *prometheus.Desc) {
	d := c.descs
	for _, desc := range []*prometheus.Desc{d.hits, d.misses, d.bytes, d.blocks, d.evictions,
		d.fetches, d.fetchErrors, d.metaHits, d.metaMisses, d.metaEntries, d.pendingFiles, d.pendingBytes, d.prefetchFiles} {
		ch <- desc
	}
}

func (c *treeCollector) Collect(ch chan<- prometheus.Metric) {
	t, d := c.m.total(), c.descs
	counter := func(desc *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(desc *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(v), labels...)
	}
	b, mt := t.Blocks, t.Meta
	counter(d.hits, b.MemHits, "memory")
	counter(d.hits, b.DiskHits+b.DiskSpans, "disk") // read into memory, or spliced
	counter(d.misses, b.MemMisses, "memory")
	counter(d.misses, b.DiskMisses, "disk")
	gauge(d.bytes, b.MemBytes, "memory")
	gauge(d.bytes, b.DiskBytes, "disk")
	gauge(d.blocks, b.MemBlocks, "memory")
	gauge(d.blocks, b.DiskBlocks, "disk")
	counter(d.evictions, b.MemEvictions, "memory")
	counter(d.evictions, b.DiskEvictions, "disk")
	counter(d.fetches, b.Fetches)
	counter(d.fetchErrors, b.FetchErrors)
	counter(d.metaHits, mt.StatHits, "stat")
	counter(d.metaHits, mt.NegativeHits, "negative")
	counter(d.metaHits, mt.ListHits, "list")
	counter(d.metaMisses, mt.StatMisses, "stat")
	counter(d.metaMisses, mt.ListMisses, "list")
	gauge(d.metaEntries, mt.Stats, "stat")
	gauge(d.metaEntries, mt.Dirs, "list")
	gauge(d.pendingFiles, t.PendingFiles)
	gauge(d.pendingBytes, t.PendingBytes)
	counter(d.prefetchFiles, t.PrefetchIssued, "issued")
	counter(d.prefetchFiles, t.PrefetchHits, "hit")
	counter(d.prefetchFiles, t.PrefetchWasted, "wasted")
}
