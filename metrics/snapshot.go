package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Requests returns the S3 requests sent so far by operation and status
// class (objfs_s3_requests_total), for `objfs status`.
func (m *Metrics) Requests() map[string]map[string]int64 {
	return counts(m.requests, "op", "status")
}

// Decisions returns the connector decisions so far by connector label
// and decision (objfs_connector_decisions_total).
func (m *Metrics) Decisions() map[string]map[string]int64 {
	return counts(m.decisions, "connector", "decision")
}

// counts reads a counter vector with two labels as outer[a][b].
func counts(v *prometheus.CounterVec, a, b string) map[string]map[string]int64 {
	ch := make(chan prometheus.Metric)
	go func() {
		v.Collect(ch)
		close(ch)
	}()
	out := map[string]map[string]int64{}
	for pm := range ch {
		var d dto.Metric
		if err := pm.Write(&d); err != nil || d.Counter == nil {
			continue
		}
		var la, lb string
		for _, l := range d.Label {
			switch l.GetName() {
			case a:
				la = l.GetValue()
			case b:
				lb = l.GetValue()
			}
		}
		if out[la] == nil {
			out[la] = map[string]int64{}
		}
		out[la][lb] += int64(d.Counter.GetValue())
	}
	return out
}
