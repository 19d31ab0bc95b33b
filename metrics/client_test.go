package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/objfs/objfs/remote"
)

func newFakeClient(t *testing.T, m *Metrics) (*remote.Fake, remote.Client) {
	t.Helper()
	fake := remote.NewFake()
	if err := fake.CreateBucket(context.Background(), "bkt"); err != nil {
		t.Fatal(err)
	}
	return fake, m.WrapClient(fake)
}

func requests(t *testing.T, m *Metrics, op, status string) float64 {
	t.Helper()
	return value(t, m, "objfs_s3_requests_total", "op", op, "status", status)
}

// TestClientCountsRequestsAndBytes: each call is one request with its
// status class; PUT bytes count once acknowledged, GET bytes as read.
func TestClientCountsRequestsAndBytes(t *testing.T) {
	m := newTestMetrics(t, 10*time.Millisecond)
	_, c := newFakeClient(t, m)
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1000)
	if _, err := c.Put(ctx, remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(data), Size: 1000}); err != nil {
		t.Fatal(err)
	}
	body, err := c.Get(ctx, remote.GetRequest{Bucket: "bkt", Key: "k", Offset: 100, Length: 300})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, body); err != nil || n != 300 {
		t.Fatalf("read %d, %v", n, err)
	}
	body.Close()
	if _, err := c.Head(ctx, "bkt", "missing"); !errors.Is(err, remote.ErrNotFound) {
		t.Fatalf("head missing: %v", err)
	}

	for _, tc := range []struct {
		op, status string
		want       float64
	}{{remote.OpPut, "2xx", 1}, {remote.OpGet, "2xx", 1}, {remote.OpHead, "4xx", 1}, {remote.OpHead, "2xx", 0}} {
		if got := requests(t, m, tc.op, tc.status); got != tc.want {
			t.Errorf("%s %s: %v requests, want %v", tc.op, tc.status, got, tc.want)
		}
	}
	if got := value(t, m, "objfs_s3_written_bytes_total"); got != 1000 {
		t.Errorf("written bytes %v, want 1000", got)
	}
	if got := value(t, m, "objfs_s3_read_bytes_total"); got != 300 {
		t.Errorf("read bytes %v, want 300", got)
	}
	// Each request took exactly 10 ms by the stepping clock.
	fams := scrape(t, m)
	for _, op := range []string{remote.OpPut, remote.OpGet, remote.OpHead} {
		h := histogram(t, fams, "objfs_s3_request_duration_seconds", op)
		if h.GetSampleCount() != 1 || math.Abs(h.GetSampleSum()-0.01) > 1e-9 {
			t.Errorf("%s latency: %d samples, sum %v; want 1 of 0.01 s", op, h.GetSampleCount(), h.GetSampleSum())
		}
	}
}

// TestClientStatusClasses: the HTTP status of a remote.Error decides the
// class; no response is "network"; a caller that gave up is "canceled".
func TestClientStatusClasses(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	fake, c := newFakeClient(t, m)
	ctx := context.Background()

	fake.FailNext(remote.OpList, &remote.Error{Op: remote.OpList, Kind: remote.ErrTransient, Code: "SlowDown", Status: 503}, 1)
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})
	fake.FailNext(remote.OpList, fmt.Errorf("dial: %w", remote.ErrUnreachable), 1)
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})
	fake.FailNext(remote.OpList, &remote.Error{Op: remote.OpList, Kind: remote.ErrAccessDenied, Status: 403}, 1)
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})
	fake.FailNext(remote.OpList, context.Canceled, 1)
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})
	c.List(ctx, remote.ListRequest{Bucket: "bkt"})

	for status, want := range map[string]float64{"5xx": 1, "network": 1, "4xx": 1, "canceled": 1, "2xx": 1} {
		if got := requests(t, m, remote.OpList, status); got != want {
			t.Errorf("ListObjectsV2 %s: %v, want %v", status, got, want)
		}
	}
}

// TestClientUnderRetryCountsAttempts: placed under the retry decorator,
// every attempt is a request.
func TestClientUnderRetryCountsAttempts(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	fake, c := newFakeClient(t, m)
	retrying := remote.WithRetry(c, remote.RetryConfig{MaxAttempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }})
	fake.FailNext(remote.OpHeadBucket, &remote.Error{Op: remote.OpHeadBucket, Kind: remote.ErrTransient, Status: 500}, 2)
	if err := retrying.HeadBucket(context.Background(), "bkt"); err != nil {
		t.Fatal(err)
	}
	if got := requests(t, m, remote.OpHeadBucket, "5xx"); got != 2 {
		t.Errorf("5xx attempts %v, want 2", got)
	}
	if got := requests(t, m, remote.OpHeadBucket, "2xx"); got != 1 {
		t.Errorf("2xx attempts %v, want 1", got)
	}
}

// TestClientFailedPutWritesNothing: bytes count only when acknowledged.
func TestClientFailedPutWritesNothing(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	fake, c := newFakeClient(t, m)
	fake.FailNext(remote.OpPut, &remote.Error{Op: remote.OpPut, Kind: remote.ErrTransient, Status: 503}, 1)
	c.Put(context.Background(), remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader([]byte("abc")), Size: 3})
	if got := value(t, m, "objfs_s3_written_bytes_total"); got != 0 {
		t.Fatalf("written bytes %v after a failed PUT", got)
	}
}

// histogram returns the histogram of family name for op.
func histogram(t *testing.T, fams map[string]*dto.MetricFamily, name, op string) *dto.Histogram {
	t.Helper()
	for _, m := range fams[name].GetMetric() {
		if hasLabels(m, map[string]string{"op": op}) {
			return m.GetHistogram()
		}
	}
	t.Fatalf("no %s{op=%q}", name, op)
	return nil
}

// TestConnectorClientCountsPerConnector: a connector's client counts its
// requests and bytes under its label, and in the mount's totals.
func TestConnectorClientCountsPerConnector(t *testing.T) {
	m := newTestMetrics(t, time.Millisecond)
	fake := remote.NewFake()
	ctx := context.Background()
	if err := fake.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	raw, out := m.WrapConnectorClient(fake, "raw"), m.WrapConnectorClient(fake, "out")
	if _, err := out.Put(ctx, remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(make([]byte, 300)), Size: 300}); err != nil {
		t.Fatal(err)
	}
	body, err := raw.Get(ctx, remote.GetRequest{Bucket: "bkt", Key: "k", Length: 300})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		t.Fatal(err)
	}
	body.Close()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"objfs_connector_s3_requests_total", []string{"connector", "out", "op", remote.OpPut}, 1},
		{"objfs_connector_s3_requests_total", []string{"connector", "raw", "op", remote.OpGet}, 1},
		{"objfs_connector_s3_written_bytes_total", []string{"connector", "out"}, 300},
		{"objfs_connector_s3_read_bytes_total", []string{"connector", "raw"}, 300},
		{"objfs_s3_read_bytes_total", nil, 300},
		{"objfs_s3_written_bytes_total", nil, 300},
	} {
		if got := value(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestClientCountsVersionRequests: a versions listing and a versioning
// state have their own names; a HeadVersion is the HeadObject it is.
func TestClientCountsVersionRequests(t *testing.T) {
	m := newTestMetrics(t, 10*time.Millisecond)
	_, c := newFakeClient(t, m)
	ctx := context.Background()
	if _, err := c.ListVersions(ctx, remote.ListVersionsRequest{Bucket: "bkt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BucketVersioning(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadVersion(ctx, "bkt", "k", "v"); !errors.Is(err, remote.ErrNotFound) {
		t.Fatalf("HeadVersion of nothing: %v", err)
	}
	for _, tc := range []struct {
		op, status string
	}{{remote.OpListVersions, "2xx"}, {remote.OpGetBucketVersioning, "2xx"}, {remote.OpHead, "4xx"}} {
		if got := requests(t, m, tc.op, tc.status); got != 1 {
			t.Errorf("%s %s: %v requests, want 1", tc.op, tc.status, got)
		}
	}
}
