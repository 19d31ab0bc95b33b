package metrics

import (
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one mount's metrics: its own registry (never the global
// one), the collectors objfs updates, and the sources read at scrape
// time. It implements fs.Observer. Create it with New.
type Metrics struct {
	cfg Config
	reg *prometheus.Registry

	requests     *prometheus.CounterVec   // {op,status}
	requestTime  *prometheus.HistogramVec // {op}
	bytesRead    prometheus.Counter
	bytesWritten prometheus.Counter

	ops    *prometheus.CounterVec   // {op}
	opErrs *prometheus.CounterVec   // {op,errno}
	opTime *prometheus.HistogramVec // {op}
	sizes  requestSizes             // requestsize.go

	decisions *prometheus.CounterVec // {connector,decision}

	connRequests     *prometheus.CounterVec // {connector,op}
	connBytesRead    *prometheus.CounterVec // {connector}
	connBytesWritten *prometheus.CounterVec // {connector}

	mu      sync.Mutex // guards sources
	sources []Source
}

// New returns Metrics for cfg (defaults applied) with every collector
// registered, including the Go runtime and process collectors.
func New(cfg Config) (*Metrics, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Metrics{cfg: cfg, reg: prometheus.NewRegistry()}
	m.newRequestMetrics()
	m.newFUSEMetrics()
	m.newRequestSizes()
	m.decisions = m.counterVec("connector_decisions_total",
		"Changes a connector's policy decided, by connector label and decision (allowed or denied).", "connector", "decision")
	m.connRequests = m.counterVec("connector_s3_requests_total",
		"S3 requests sent (every attempt) for a connector, by connector label and operation.", "connector", "op")
	m.connBytesRead = m.counterVec("connector_s3_read_bytes_total", "Bytes of object data received from S3 for a connector.", "connector")
	m.connBytesWritten = m.counterVec("connector_s3_written_bytes_total", "Bytes of object data S3 acknowledged for a connector.", "connector")
	m.reg.MustRegister(
		m.requests, m.requestTime, m.bytesRead, m.bytesWritten,
		m.ops, m.opErrs, m.opTime, m.sizes.hist, m.decisions,
		m.connRequests, m.connBytesRead, m.connBytesWritten,
		&treeCollector{m: m, descs: newTreeDescs(cfg.Namespace)},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m, nil
}

func (m *Metrics) newRequestMetrics() {
	m.requests = m.counterVec("s3_requests_total",
		"S3 requests sent (every attempt), by operation and status class (2xx, 4xx, 5xx, network, canceled).", "op", "status")
	m.requestTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: m.cfg.Namespace, Name: "s3_request_duration_seconds",
		Help:    "Time from sending an S3 request to its response (headers, for GetObject), by operation.",
		Buckets: m.cfg.RequestBuckets,
	}, []string{"op"})
	m.bytesRead = m.counter("s3_read_bytes_total", "Bytes of object data received from S3 (GetObject bodies).")
	m.bytesWritten = m.counter("s3_written_bytes_total", "Bytes of object data S3 acknowledged (PutObject and UploadPart bodies).")
}

func (m *Metrics) newFUSEMetrics() {
	m.ops = m.counterVec("fuse_operations_total", "FUSE operations answered, by operation.", "op")
	m.opErrs = m.counterVec("fuse_errors_total", "FUSE operations answered with an error, by operation and errno.", "op", "errno")
	m.opTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: m.cfg.Namespace, Name: "fuse_operation_duration_seconds",
		Help:    "Time to answer a FUSE operation, by operation.",
		Buckets: m.cfg.OpBuckets,
	}, []string{"op"})
}

func (m *Metrics) counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: m.cfg.Namespace, Name: name, Help: help})
}

func (m *Metrics) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: m.cfg.Namespace, Name: name, Help: help}, labels)
}

// Registry returns the registry holding every objfs metric.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Op records one answered FUSE operation (fs.Observer).
func (m *Metrics) Op(op string, errno syscall.Errno, d time.Duration) {
	m.ops.WithLabelValues(op).Inc()
	m.opTime.WithLabelValues(op).Observe(d.Seconds())
	if errno != 0 {
		m.opErrs.WithLabelValues(op, errnoName(errno)).Inc()
	}
}

// Decision records a connector's decision on a change (fs.Observer).
func (m *Metrics) Decision(connector string, allowed bool) {
	d := "denied"
	if allowed {
		d = "allowed"
	}
	m.decisions.WithLabelValues(connector, d).Inc()
}
