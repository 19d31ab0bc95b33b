//go:build linux

package integration

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/sys/unix"

	"github.com/objfs/objfs/internal/testenv"
)

// scrapeMetrics fetches and parses /metrics.
func scrapeMetrics(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// metricValue sums the series of family name whose labels include
// labels (pairs): counters, gauges, histogram counts. Absent is 0.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var sum float64
	for _, m := range fams[name].GetMetric() {
		if !seriesHas(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func seriesHas(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// delta is how much a series moved between two scrapes.
func delta(before, after map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	return metricValue(after, name, labels...) - metricValue(before, name, labels...)
}

// TestMetrics scrapes --metrics-addr around a cold read, a cached re-read,
// a write and a failing rmdir, and checks that the request, byte, cache,
// upload and FUSE counters moved by what those operations must cost.
func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const size = 3<<20 + 123 // four 1 MiB blocks
	data := randomBytes(11, size)
	putObject(t, srv.SDK(), bucket, "data.bin", data)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	m := mount(t, "s3://"+bucket, "--metrics-addr", addr, "--block-size", "1M")

	m0 := scrapeMetrics(t, addr)
	if got := metricValue(m0, "objfs_s3_requests_total", "op", "ListObjectsV2", "status", "2xx"); got < 1 {
		t.Errorf("the preflight listing is not counted: %v", got)
	}

	// Cold read: every byte comes from S3 once, through cache misses.
	path := filepath.Join(m.Dir, "data.bin")
	if got := readFile(t, path); md5hex(got) != md5hex(data) {
		t.Fatal("read differs")
	}
	m1 := scrapeMetrics(t, addr)
	if d := delta(m0, m1, "objfs_s3_read_bytes_total"); d != size {
		t.Errorf("cold read: %v bytes read from S3, want %d", d, size)
	}
	if d := delta(m0, m1, "objfs_s3_requests_total", "op", "GetObject", "status", "2xx"); d < 1 || d > 4 {
		t.Errorf("cold read: %v GetObject requests, want 1 to 4 (one per block at most)", d)
	}
	if d := delta(m0, m1, "objfs_s3_request_duration_seconds", "op", "GetObject"); d != delta(m0, m1, "objfs_s3_requests_total", "op", "GetObject") {
		t.Errorf("GetObject latency samples %v differ from GetObject requests", d)
	}
	if d := delta(m0, m1, "objfs_cache_misses_total", "tier", "memory"); d < 1 {
		t.Errorf("cold read: %v memory cache misses", d)
	}
	if d := delta(m0, m1, "objfs_cache_fetches_total"); d != 4 {
		t.Errorf("cold read: %v blocks fetched, want 4", d)
	}
	if got := metricValue(m1, "objfs_cache_bytes", "tier", "memory"); got < size {
		t.Errorf("memory tier holds %v bytes after reading %d", got, size)
	}
	if d := delta(m0, m1, "objfs_fuse_operations_total", "op", "read"); d < 1 {
		t.Errorf("no FUSE read counted")
	}

	// Warm re-read past the kernel's page cache: the block cache answers,
	// S3 is not asked.
	dropPages(t, path)
	if got := readFile(t, path); md5hex(got) != md5hex(data) {
		t.Fatal("re-read differs")
	}
	m2 := scrapeMetrics(t, addr)
	if d := delta(m1, m2, "objfs_s3_read_bytes_total"); d != 0 {
		t.Errorf("warm re-read: %v bytes read from S3, want 0", d)
	}
	if d := delta(m1, m2, "objfs_s3_requests_total", "op", "GetObject"); d != 0 {
		t.Errorf("warm re-read: %v GetObject requests, want 0", d)
	}
	if d := delta(m1, m2, "objfs_cache_hits_total", "tier", "memory"); d < 4 {
		t.Errorf("warm re-read: %v memory cache hits, want at least one per block (4)", d)
	}

	// A write: its bytes are acknowledged by S3, nothing stays pending.
	const wsize = 1<<20 + 7
	if err := os.WriteFile(filepath.Join(m.Dir, "out.bin"), randomBytes(12, wsize), 0o644); err != nil {
		t.Fatal(err)
	}
	m3 := scrapeMetrics(t, addr)
	if d := delta(m2, m3, "objfs_s3_written_bytes_total"); d != wsize {
		t.Errorf("write: %v bytes written to S3, want %d", d, wsize)
	}
	if d := delta(m2, m3, "objfs_s3_requests_total", "op", "PutObject", "status", "2xx"); d < 1 {
		t.Errorf("write: %v PutObject requests", d)
	}
	for _, op := range []string{"create", "write", "flush"} {
		if d := delta(m2, m3, "objfs_fuse_operations_total", "op", op); d < 1 {
			t.Errorf("write: no FUSE %s counted", op)
		}
	}
	if got := metricValue(m3, "objfs_uploads_pending") + metricValue(m3, "objfs_upload_bytes_pending"); got != 0 {
		t.Errorf("uploads still pending after close: %v", got)
	}

	// A failing operation counts as an error with its errno.
	if err := os.Mkdir(filepath.Join(m.Dir, "full"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.Dir, "full", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Rmdir(filepath.Join(m.Dir, "full")); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Fatalf("rmdir of a non-empty directory: %v", err)
	}
	m4 := scrapeMetrics(t, addr)
	if d := delta(m3, m4, "objfs_fuse_errors_total", "op", "rmdir", "errno", "ENOTEMPTY"); d != 1 {
		t.Errorf("rmdir ENOTEMPTY counted %v times, want 1", d)
	}

	// No key, path or bucket is ever a label value.
	for name, f := range m4 {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				v := l.GetValue()
				if strings.Contains(v, bucket) || strings.Contains(v, ".bin") || strings.Contains(v, "/") {
					t.Errorf("%s has label %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
}

// readFile reads path with a bounded wait.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	done := make(chan []byte, 1)
	go func() {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	select {
	case b := <-done:
		return b
	case <-time.After(toolTimeout):
		t.Fatalf("read %s hung", path)
	}
	return nil
}

// dropPages drops path's pages from the kernel's page cache, so that the
// next read reaches the file system.
func dropPages(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(fmt.Errorf("fadvise DONTNEED: %w", err))
	}
}
