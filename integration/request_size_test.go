//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// largeRequestsUnavailable says why this machine cannot give FUSE
// requests of 16 MiB, or "": that needs fs.fuse.max_pages_limit (Linux
// 6.13+) at 4096 pages or more, or root to raise it.
func largeRequestsUnavailable() string {
	b, err := os.ReadFile("/proc/sys/fs/fuse/max_pages_limit")
	if err != nil {
		return "no fs.fuse.max_pages_limit (Linux 6.13+): FUSE requests stay at most 1 MiB"
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if n < 4096 && os.Geteuid() != 0 {
		return "fs.fuse.max_pages_limit is " + strconv.Itoa(n) + " pages and only root may raise it"
	}
	return ""
}

// TestLargeRequests: with --max-request-size 16M (-o max_request_size)
// the kernel sends reads and writes larger than 1 MiB, as the daemon
// counts them (objfs status --json and the request size histogram): dd
// with bs=16M reads a 48 MiB object and writes one. A kernel or go-fuse
// change that shrinks the requests fails here. The bytes are checked
// both ways.
func TestLargeRequests(t *testing.T) {
	testenv.RequireFUSEFeature(t, largeRequestsUnavailable())
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const size = 48 << 20
	data := randomBytes(15, size)
	putObject(t, srv.SDK(), bucket, "big.bin", data)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	m := mount(t, "s3://"+bucket, "--metrics-addr", addr, "-o", "max_request_size=16M")

	local := t.TempDir()
	copied := filepath.Join(local, "copy.bin")
	mustRun(t, "dd", "if="+m.Path("big.bin"), "of="+copied, "bs=16M")
	if got, err := os.ReadFile(copied); err != nil || md5hex(got) != md5hex(data) {
		t.Fatalf("dd read through the mount: %d bytes, %v; differs from S3", len(got), err)
	}

	src := filepath.Join(local, "src.bin")
	written := randomBytes(16, size)
	if err := os.WriteFile(src, written, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "dd", "if="+src, "of="+m.Path("new.bin"), "bs=16M")
	if got, ok := getObject(t, srv.SDK(), bucket, "new.bin"); !ok || md5hex(got) != md5hex(written) {
		t.Fatalf("dd write through the mount: S3 has %d bytes (found %v), differing from what was written", len(got), ok)
	}

	st := statusOf(t, m.Dir)
	for _, op := range []string{"read", "write"} {
		s, ok := st.FUSERequests[op]
		if !ok {
			t.Fatalf("objfs status --json has no fuse_requests.%s", op)
		}
		t.Logf("%s: %d requests, %d bytes, largest %d, %d over 1 MiB", op, s.Requests, s.Bytes, s.Largest, s.Over1MiB)
		if s.Largest < 4<<20 || s.Over1MiB < 1 {
			t.Errorf("%s: largest request %d bytes, %d over 1 MiB; want at least one of 4 MiB or more", op, s.Largest, s.Over1MiB)
		}
	}
	if s := st.FUSERequests["write"]; s.Bytes < size {
		t.Errorf("writes carried %d bytes, want at least %d", s.Bytes, size)
	}
	fams := scrapeMetrics(t, addr)
	for _, op := range []string{"read", "write"} {
		if n := metricValue(fams, "objfs_fuse_request_size_bytes", "op", op); int64(n) != st.FUSERequests[op].Requests {
			t.Errorf("histogram counts %v %s requests, status %d", n, op, st.FUSERequests[op].Requests)
		}
	}
}
