package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// requestSizeBuckets are the upper bounds of the FUSE request size
// histogram: powers of two from 4 KiB to 16 MiB (the largest request a
// mount asks for), one per page count that matters.
var requestSizeBuckets = prometheus.ExponentialBuckets(4096, 2, 13)

// requestSizes counts the sizes of FUSE READ and WRITE requests: the
// histogram objfs_fuse_request_size_bytes{op}, and the largest of each
// op, which a histogram cannot give back. Its fields are safe for
// concurrent use on their own.
type requestSizes struct {
	hist              *prometheus.HistogramVec // {op}
	maxRead, maxWrite atomic.Int64
}

func (m *Metrics) newRequestSizes() {
	m.sizes.hist = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: m.cfg.Namespace, Name: "fuse_request_size_bytes",
		Help:    "Bytes the kernel asked to read (READ) or sent to write (WRITE) in one FUSE request, by operation.",
		Buckets: requestSizeBuckets,
	}, []string{"op"})
}

// RequestSize records one FUSE READ or WRITE request of n bytes
// (fs.Observer).
func (m *Metrics) RequestSize(op string, n int) {
	m.sizes.hist.WithLabelValues(op).Observe(float64(n))
	largest := &m.sizes.maxRead
	if op == "write" {
		largest = &m.sizes.maxWrite
	}
	for {
		cur := largest.Load()
		if int64(n) <= cur || largest.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// RequestSizeStats sums the FUSE requests of one operation, for `objfs
// status`.
type RequestSizeStats struct {
	Requests int64 `json:"requests"`
	Bytes    int64 `json:"bytes"`
	Largest  int64 `json:"largest_bytes"`
	// Over1MiB counts the requests larger than 1 MiB, which the kernel
	// sends only when fs.fuse.max_pages_limit allows them.
	Over1MiB int64 `json:"over_1mib"`
}

// RequestSizes returns the READ and WRITE request statistics so far, by
// operation ("read", "write"; absent until one was seen).
func (m *Metrics) RequestSizes() map[string]RequestSizeStats {
	ch := make(chan prometheus.Metric)
	go func() {
		m.sizes.hist.Collect(ch)
		close(ch)
	}()
	out := map[string]RequestSizeStats{}
	for pm := range ch {
		var d dto.Metric
		if err := pm.Write(&d); err != nil || d.Histogram == nil {
			continue
		}
		var op string
		for _, l := range d.Label {
			if l.GetName() == "op" {
				op = l.GetValue()
			}
		}
		h := d.Histogram
		s := RequestSizeStats{Requests: int64(h.GetSampleCount()), Bytes: int64(h.GetSampleSum())}
		s.Over1MiB = s.Requests
		for _, b := range h.Bucket {
			if b.GetUpperBound() == 1<<20 {
				s.Over1MiB = s.Requests - int64(b.GetCumulativeCount())
			}
		}
		s.Largest = m.sizes.maxRead.Load()
		if op == "write" {
			s.Largest = m.sizes.maxWrite.Load()
		}
		out[op] = s
	}
	return out
}
