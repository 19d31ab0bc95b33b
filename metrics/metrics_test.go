package metrics

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/remote"
)

// TestOpCountsOperationsAndErrors: every operation counts once with its
// latency; failures also count by errno name.
func TestOpCountsOperationsAndErrors(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	m.Op("lookup", 0, time.Millisecond)
	m.Op("lookup", syscall.ENOENT, time.Millisecond)
	m.Op("read", syscall.EIO, 3*time.Second)
	m.Op("read", syscall.Errno(200), time.Millisecond)

	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"objfs_fuse_operations_total", []string{"op", "lookup"}, 2},
		{"objfs_fuse_operations_total", []string{"op", "read"}, 2},
		{"objfs_fuse_errors_total", []string{"op", "lookup", "errno", "ENOENT"}, 1},
		{"objfs_fuse_errors_total", []string{"op", "read", "errno", "EIO"}, 1},
		{"objfs_fuse_errors_total", []string{"op", "read", "errno", "errno_200"}, 1},
		{"objfs_fuse_operation_duration_seconds", []string{"op", "read"}, 2},
	} {
		if got := value(t, m, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if _, ok := sample(scrape(t, m), "objfs_fuse_errors_total", map[string]string{"errno": "OK"}); ok {
		t.Error("a successful operation was counted as an error")
	}
}

func TestDecisionCountsByConnector(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	m.Decision("raw", false)
	m.Decision("raw", false)
	m.Decision("out", true)
	for _, tc := range []struct {
		conn, decision string
		want           float64
	}{{"raw", "denied", 2}, {"raw", "allowed", 0}, {"out", "allowed", 1}} {
		got := value(t, m, "objfs_connector_decisions_total", "connector", tc.conn, "decision", tc.decision)
		if got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.conn, tc.decision, got, tc.want)
		}
	}
}

// TestTreesSummed: cache and upload levels of every source are summed at
// scrape time, and read again at the next scrape.
func TestTreesSummed(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	pending := int64(3)
	m.AddSource(func() Stats {
		return Stats{
			Blocks:       cache.BlockStats{MemHits: 10, MemMisses: 2, DiskHits: 1, DiskMisses: 1, MemBytes: 4 << 20, Fetches: 2},
			Meta:         cache.MetaStats{StatHits: 5, ListMisses: 1, Dirs: 1},
			PendingFiles: pending, PendingBytes: 300,
			PrefetchIssued: 7, PrefetchHits: 5, PrefetchWasted: 1,
		}
	})
	m.AddSource(func() Stats {
		return Stats{Blocks: cache.BlockStats{MemHits: 1, DiskBytes: 8 << 20}, PendingFiles: 1, PendingBytes: 5,
			PrefetchIssued: 3, PrefetchHits: 1, PrefetchWasted: 2}
	})
	fams := scrape(t, m)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"objfs_cache_hits_total", map[string]string{"tier": "memory"}, 11},
		{"objfs_cache_hits_total", map[string]string{"tier": "disk"}, 1},
		{"objfs_cache_misses_total", map[string]string{"tier": "memory"}, 2},
		{"objfs_cache_bytes", map[string]string{"tier": "memory"}, 4 << 20},
		{"objfs_cache_bytes", map[string]string{"tier": "disk"}, 8 << 20},
		{"objfs_cache_fetches_total", nil, 2},
		{"objfs_metadata_cache_hits_total", map[string]string{"kind": "stat"}, 5},
		{"objfs_metadata_cache_misses_total", map[string]string{"kind": "list"}, 1},
		{"objfs_metadata_cache_entries", map[string]string{"kind": "list"}, 1},
		{"objfs_uploads_pending", nil, 4},
		{"objfs_upload_bytes_pending", nil, 305},
		{"objfs_prefetch_files_total", map[string]string{"result": "issued"}, 10},
		{"objfs_prefetch_files_total", map[string]string{"result": "hit"}, 6},
		{"objfs_prefetch_files_total", map[string]string{"result": "wasted"}, 3},
	} {
		if got, ok := sample(fams, tc.name, tc.labels); !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	pending = 0
	if got := value(t, m, "objfs_uploads_pending"); got != 1 {
		t.Errorf("after the first tree flushed: %v pending, want 1", got)
	}
}

// TestNoPathLabels: whatever the tree does, no label value is a key or
// a path: the label names are a fixed set.
func TestNoPathLabels(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	_, c := newFakeClient(t, m)
	c.Head(context.Background(), "bkt", "secret/dir/key.txt")
	m.Op("lookup", syscall.ENOENT, time.Millisecond)
	allowed := map[string]bool{"op": true, "status": true, "errno": true, "tier": true, "kind": true, "connector": true, "decision": true, "result": true, "le": true}
	for name, f := range scrape(t, m) {
		if !strings.HasPrefix(name, "objfs_") {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if !allowed[l.GetName()] || strings.Contains(l.GetValue(), "/") && l.GetName() != "le" {
					t.Errorf("%s has label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestServerServesMetrics: Listen binds at once (a taken port is an
// error), serves the text format on /metrics, and Close stops it.
func TestServerServesMetrics(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	m.Op("getattr", 0, time.Millisecond)
	srv, err := m.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Listen(srv.Addr()); err == nil || !strings.Contains(err.Error(), srv.Addr()) {
		t.Errorf("second listen on %s: %v, want an error naming the address", srv.Addr(), err)
	}
	resp, err := http.Get("http://" + srv.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	fams := parseText(t, resp.Body)
	resp.Body.Close()
	if got, _ := sample(fams, "objfs_fuse_operations_total", map[string]string{"op": "getattr"}); got != 1 {
		t.Errorf("scraped getattr count %v, want 1", got)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	resp, err = http.Get("http://" + srv.Addr() + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/nope: HTTP %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		conn.Close()
		t.Error("still listening after Close")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Namespace: "obj-fs"}, "namespace"},
		{Config{RequestBuckets: []float64{1, 1}}, "buckets"},
		{Config{OpBuckets: []float64{0, 1}}, "buckets"},
	} {
		tc.cfg.SetDefaults()
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error about %s", tc.cfg, err, tc.want)
		}
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("New accepted %+v", tc.cfg)
		}
	}
	var c Config
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}

// TestStatusClassFindsNestedStatus: the status of a remote.Error wrapped
// in another without one is found.
func TestStatusClassFindsNestedStatus(t *testing.T) {
	inner := &remote.Error{Op: remote.OpGet, Kind: remote.ErrTransient, Status: 503}
	outer := &remote.Error{Op: remote.OpGet, Kind: fmt.Errorf("retrying: %w", inner)}
	if got := statusClass(fmt.Errorf("gave up: %w", outer)); got != "5xx" {
		t.Fatalf("class %q, want 5xx", got)
	}
	if got := statusClass(context.Canceled); got != "canceled" {
		t.Fatalf("class %q, want canceled", got)
	}
}
