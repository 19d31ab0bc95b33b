package main

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/objfs/objfs/metrics"
	"github.com/objfs/objfs/vfs"
	"github.com/objfs/objfs/vfs/writeback"
)

// statusReport is what `objfs status --json` prints for one mount, and
// what the daemon sends on its status socket (status_socket.go). Fields
// are only ever added.
type statusReport struct {
	Mountpoint    string    `json:"mountpoint"`
	Source        string    `json:"source"`   // as given: s3://BUCKET/PREFIX, or connectors:FILE
	Endpoint      string    `json:"endpoint"` // URL, or "" for AWS S3
	Region        string    `json:"region,omitempty"`
	PID           int       `json:"pid"`
	Started       time.Time `json:"started"`
	UptimeSeconds float64   `json:"uptime_seconds"`
	ReadOnly      bool      `json:"read_only"`
	// AsOf is the time of a view of the past (--as-of), when the mount
	// is one.
	AsOf       *time.Time        `json:"as_of,omitempty"`
	Log        string            `json:"log"` // where the daemon logs: a file, syslog, stderr or nowhere
	Connectors []connectorReport `json:"connectors,omitempty"`
	Cache      cacheReport       `json:"cache"`
	Uploads    uploadReport      `json:"uploads_pending"`
	// Requests counts S3 requests by operation and status class (2xx,
	// 4xx, 5xx, network, canceled), retries included.
	Requests map[string]map[string]int64 `json:"requests"`
	// FUSERequests sums the FUSE READ and WRITE requests by operation:
	// their count, bytes, largest size and how many exceeded 1 MiB (see
	// --max-request-size).
	FUSERequests map[string]metrics.RequestSizeStats `json:"fuse_requests,omitempty"`
	// RecentErrors are the last warning and error log lines, oldest first.
	RecentErrors []string `json:"recent_errors"`
	// Error is set, and nothing else but Mountpoint and Source, when the
	// mount's daemon did not answer.
	Error string `json:"error,omitempty"`
}

type connectorReport struct {
	Label    string       `json:"label"`
	Endpoint string       `json:"endpoint"`
	Access   string       `json:"access"`
	Uploads  uploadReport `json:"uploads_pending"`
	Allowed  int64        `json:"allowed"` // connector decisions (objfs_connector_decisions_total)
	Denied   int64        `json:"denied"`
}

type cacheReport struct {
	Memory   tierReport  `json:"memory"`
	Disk     *tierReport `json:"disk,omitempty"` // absent without a disk tier
	Metadata metaReport  `json:"metadata"`
	// Prefetch is the data-loader prefetch (files whose first block was
	// fetched before they were opened), summed over the trees.
	Prefetch prefetchReport `json:"prefetch"`
}

type prefetchReport struct {
	Issued int64 `json:"issued"`
	Hits   int64 `json:"hits"`
	Wasted int64 `json:"wasted"`
}

type tierReport struct {
	Bytes      int64 `json:"bytes"`
	LimitBytes int64 `json:"limit_bytes"`
	Blocks     int64 `json:"blocks"`
	Hits       int64 `json:"hits"`
	Misses     int64 `json:"misses"`
	Evictions  int64 `json:"evictions"`
}

type metaReport struct {
	Stats        int64 `json:"stats"`    // entries held
	Listings     int64 `json:"listings"` // directory listings held
	StatHits     int64 `json:"stat_hits"`
	NegativeHits int64 `json:"negative_hits"`
	StatMisses   int64 `json:"stat_misses"`
	ListHits     int64 `json:"list_hits"`
	ListMisses   int64 `json:"list_misses"`
}

type uploadReport struct {
	Files            int        `json:"files"`
	Bytes            int64      `json:"bytes"`
	Oldest           *time.Time `json:"oldest,omitempty"` // when the longest-waiting change was made
	OldestAgeSeconds float64    `json:"oldest_age_seconds"`
}

func uploadsOf(p writeback.Pending, now time.Time) uploadReport {
	r := uploadReport{Files: p.Files, Bytes: p.Bytes}
	if !p.Oldest.IsZero() {
		t := p.Oldest
		r.Oldest = &t
		r.OldestAgeSeconds = now.Sub(t).Seconds()
	}
	return r
}

// cacheOf reports the caches of trees: the block cache once (connectors
// share one), metadata summed.
func cacheOf(trees []*vfs.FS) cacheReport {
	var r cacheReport
	if len(trees) == 0 {
		return r
	}
	cfg := trees[0].Config().ReadCache
	b := trees[0].CacheStats().Blocks
	r.Memory = tierReport{Bytes: b.MemBytes, LimitBytes: cfg.MemBytes, Blocks: b.MemBlocks,
		Hits: b.MemHits, Misses: b.MemMisses, Evictions: b.MemEvictions}
	if cfg.DiskDir != "" {
		r.Disk = &tierReport{Bytes: b.DiskBytes, LimitBytes: cfg.DiskBytes, Blocks: b.DiskBlocks,
			Hits: b.DiskHits + b.DiskSpans, Misses: b.DiskMisses, Evictions: b.DiskEvictions}
	}
	for _, t := range trees {
		m := t.CacheStats().Meta
		r.Metadata.Stats += m.Stats
		r.Metadata.Listings += m.Dirs
		r.Metadata.StatHits += m.StatHits
		r.Metadata.NegativeHits += m.NegativeHits
		r.Metadata.StatMisses += m.StatMisses
		r.Metadata.ListHits += m.ListHits
		r.Metadata.ListMisses += m.ListMisses
		pf := t.PrefetchStats()
		r.Prefetch.Issued += pf.Issued
		r.Prefetch.Hits += pf.Hits
		r.Prefetch.Wasted += pf.Wasted
	}
	return r
}

// errorRing keeps the last warning and error lines the process logged.
// It sits on the log writer, after redaction, so it holds only what the
// log shows.
type errorRing struct {
	mu    sync.Mutex
	lines []string // guarded by mu; at most ringSize
}

const ringSize = 20

// tee returns a writer that writes to w and keeps WARN and ERROR lines.
func (r *errorRing) tee(w interface{ Write([]byte) (int, error) }) *ringWriter {
	return &ringWriter{w: w, r: r}
}

func (r *errorRing) add(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) == ringSize {
		copy(r.lines, r.lines[1:])
		r.lines = r.lines[:ringSize-1]
	}
	r.lines = append(r.lines, line)
}

// Lines returns the kept lines, oldest first (never nil).
func (r *errorRing) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.lines...)
}

type ringWriter struct {
	w interface{ Write([]byte) (int, error) }
	r *errorRing
}

// Write passes p on; slog writes one record per Write.
func (t *ringWriter) Write(p []byte) (int, error) {
	if levelIs(p, "WARN") || levelIs(p, "ERROR") {
		t.r.add(string(bytes.TrimRight(p, "\n")))
	}
	return t.w.Write(p)
}

// startStatus serves the status of f's trees on the mount's status
// socket (status_socket.go) and returns the function that stops it.
func (s *serving) startStatus(log *slog.Logger, f flusher, mountpoint string) func() {
	if s == nil {
		return func() {}
	}
	trees := treesOf(f)
	stop, err := listenStatus(log, mountpoint, func() statusReport { return s.report(mountpoint, trees, pendingOf(f)) })
	if err != nil {
		log.Warn("cannot open the status socket: objfs status will not see this mount", "err", err)
	}
	return stop
}

// report is the statusReport of this process's mount.
func (s *serving) report(mountpoint string, trees []*vfs.FS, pending func() writeback.Pending) statusReport {
	now := time.Now()
	r := statusReport{
		Mountpoint:    mountpoint,
		Source:        s.desc.Source,
		Endpoint:      s.desc.Endpoint,
		Region:        s.desc.Region,
		PID:           os.Getpid(),
		Started:       s.started,
		UptimeSeconds: now.Sub(s.started).Seconds(),
		Log:           s.logs.where(),
		Cache:         cacheOf(trees),
		Uploads:       uploadsOf(pending(), now),
		Requests:      map[string]map[string]int64{},
		RecentErrors:  s.errs.Lines(),
	}
	if len(trees) > 0 {
		r.ReadOnly = trees[0].Config().ReadOnly
		if at := trees[0].Config().AsOf; !at.IsZero() && len(s.desc.Connectors) == 0 {
			r.AsOf = &at
		}
	}
	var decisions map[string]map[string]int64
	if s.metrics != nil {
		r.Requests = s.metrics.Requests()
		r.FUSERequests = s.metrics.RequestSizes()
		decisions = s.metrics.Decisions()
	}
	for i, c := range s.desc.Connectors {
		if i < len(trees) {
			c.Uploads = uploadsOf(trees[i].PendingUploads(), now)
		}
		c.Allowed, c.Denied = decisions[c.Label]["allowed"], decisions[c.Label]["denied"]
		r.Connectors = append(r.Connectors, c)
	}
	return r
}
