package metrics

import "testing"

// TestRequestSizes: every READ and WRITE size lands in the histogram by
// operation, and the snapshot for `objfs status` gives the count, the
// bytes, the largest and how many were over 1 MiB.
func TestRequestSizes(t *testing.T) {
	m := newTestMetrics(t, 0)
	for _, n := range []int{4096, 1 << 20, 1<<20 + 4096, 16 << 20} {
		m.RequestSize("read", n)
	}
	m.RequestSize("write", 8<<20)
	m.RequestSize("write", 128<<10)
	if got := value(t, m, "objfs_fuse_request_size_bytes", "op", "read"); got != 4 {
		t.Errorf("read histogram count %v, want 4", got)
	}
	if got := value(t, m, "objfs_fuse_request_size_bytes", "op", "write"); got != 2 {
		t.Errorf("write histogram count %v, want 2", got)
	}
	s := m.RequestSizes()
	wantRead := RequestSizeStats{Requests: 4, Bytes: 4096 + 1<<20 + 1<<20 + 4096 + 16<<20, Largest: 16 << 20, Over1MiB: 2}
	if s["read"] != wantRead {
		t.Errorf("read %+v, want %+v", s["read"], wantRead)
	}
	wantWrite := RequestSizeStats{Requests: 2, Bytes: 8<<20 + 128<<10, Largest: 8 << 20, Over1MiB: 1}
	if s["write"] != wantWrite {
		t.Errorf("write %+v, want %+v", s["write"], wantWrite)
	}
}
