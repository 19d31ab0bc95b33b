package fs

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/vfs"
)

// TestConnectorReadDenialsCounted: looking up what the connector shows
// counts no denial, though the tree probes keys it does not show (a
// directory's name as a file, NAME.rclonelink); a lookup of a name no
// pattern reaches is one denied decision and one info line.
func TestConnectorReadDenialsCounted(t *testing.T) {
	src := mustSource(t, "s3://")
	conn := testConnector(t, "c", "readwrite", "bucket/data/out/*", "bucket/team.jpg")
	rec := &recorder{}
	var logs bytes.Buffer
	h := newWriteHarness(t, src, func(c *vfs.Config) {
		c.Connector, c.Observer = conn, rec
		c.StatTTL, c.ListTTL = vfs.NoCache, vfs.NoCache // every lookup asks S3
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	seedKeys(t, h.fake, seeded...)
	h.path("bucket", "data", "out", "r1.txt")
	if len(rec.decisions) != 0 {
		t.Errorf("lookups of visible names: decisions %v, want none", rec.decisions)
	}
	for range 2 {
		if _, errno := h.lookup(h.path("bucket", "data"), "a.csv"); errno != syscall.ENOENT {
			t.Fatalf("lookup of an invisible name: %v", errno)
		}
	}
	if want := []string{"c:denied", "c:denied"}; !slices.Equal(rec.decisions, want) {
		t.Errorf("two lookups of an invisible name: decisions %v, want %v", rec.decisions, want)
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "denied by connector") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[0], "op=lookup path=s3://bucket/data/a.csv errno=ENOENT count=1") {
		t.Errorf("denial lines %q; want one info line for the lookup", lines)
	}
}
