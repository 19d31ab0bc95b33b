package metrics

import (
	"syscall"
	"testing"
	"time"
)

func TestRequestsAndDecisionsSnapshot(t *testing.T) {
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	m.requests.WithLabelValues("GetObject", "2xx").Add(3)
	m.requests.WithLabelValues("GetObject", "4xx").Inc()
	m.requests.WithLabelValues("PutObject", "2xx").Inc()
	m.Decision("raw", false)
	m.Decision("raw", false)
	m.Decision("out", true)
	m.Op("lookup", syscall.ENOENT, time.Millisecond)
	r := m.Requests()
	if r["GetObject"]["2xx"] != 3 || r["GetObject"]["4xx"] != 1 || r["PutObject"]["2xx"] != 1 {
		t.Errorf("Requests() = %v", r)
	}
	d := m.Decisions()
	if d["raw"]["denied"] != 2 || d["out"]["allowed"] != 1 {
		t.Errorf("Decisions() = %v", d)
	}
}
