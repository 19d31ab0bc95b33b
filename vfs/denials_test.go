package vfs

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestDenialLogRateLimited: the first denial of an operation on a path is
// one info line; repeats within the window are counted into the next
// line after it; other paths and operations have lines of their own;
// Close reports what was counted since.
func TestDenialLogRateLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	d := newDenialLog(slog.New(slog.NewTextHandler(&buf, nil)).With("connector", "raw"), func() time.Time { return now })
	lines := func() []string { return strings.Split(strings.TrimSpace(buf.String()), "\n") }

	for range 5 {
		d.note("create", "s3://b/k", "EACCES", "outside the patterns")
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "level=INFO") || !strings.Contains(l[0], `msg="denied by connector" connector=raw op=create path=s3://b/k errno=EACCES count=1`) {
		t.Fatalf("after 5 denials: %q", l)
	}
	d.note("unlink", "s3://b/k", "EACCES", "")
	d.note("create", "s3://b/other", "EACCES", "")
	if l := lines(); len(l) != 3 {
		t.Fatalf("another op and another path: %q", l)
	}
	now = now.Add(denialWindow)
	d.note("create", "s3://b/k", "EACCES", "outside the patterns")
	if l := lines(); len(l) != 4 || !strings.Contains(l[3], "count=5") {
		t.Fatalf("after the window: %q", l)
	}
	d.note("create", "s3://b/k", "EACCES", "outside the patterns")
	d.note("create", "s3://b/k", "EACCES", "outside the patterns")
	d.flush()
	if l := lines(); len(l) != 5 || !strings.Contains(l[4], "count=2") {
		t.Fatalf("after flush: %q", l)
	}
}

// TestDenialLogBounded: with every slot taken by denials still in their
// window, a new path is logged anyway (never silently dropped).
func TestDenialLogBounded(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	d := newDenialLog(slog.New(slog.NewTextHandler(&buf, nil)).With("connector", "raw"), func() time.Time { return now })
	for i := range denialMaxKeys + 10 {
		d.note("read", "s3://b/"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), "ENOENT", "")
	}
	if n := strings.Count(buf.String(), "\n"); n != denialMaxKeys+10 {
		t.Errorf("%d lines, want %d", n, denialMaxKeys+10)
	}
	if len(d.seen) > denialMaxKeys {
		t.Errorf("%d keys kept", len(d.seen))
	}
}
