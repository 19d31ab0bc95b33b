//go:build linux

package integration

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/mountinfo"
)

// objfsStatus is the part of `objfs status --json` the tests read.
type objfsStatus struct {
	Mountpoint string `json:"mountpoint"`
	Source     string `json:"source"`
	Endpoint   string `json:"endpoint"`
	PID        int    `json:"pid"`
	Cache      struct {
		Memory struct {
			Bytes      int64 `json:"bytes"`
			LimitBytes int64 `json:"limit_bytes"`
			Blocks     int64 `json:"blocks"`
			Misses     int64 `json:"misses"`
		} `json:"memory"`
		Disk *struct {
			LimitBytes int64 `json:"limit_bytes"`
		} `json:"disk"`
		Prefetch struct {
			Issued int64 `json:"issued"`
			Hits   int64 `json:"hits"`
			Wasted int64 `json:"wasted"`
		} `json:"prefetch"`
	} `json:"cache"`
	Uploads struct {
		Files  int        `json:"files"`
		Bytes  int64      `json:"bytes"`
		Oldest *time.Time `json:"oldest"`
	} `json:"uploads_pending"`
	Requests     map[string]map[string]int64 `json:"requests"`
	AsOf         *time.Time                  `json:"as_of"`
	FUSERequests map[string]struct {
		Requests int64 `json:"requests"`
		Bytes    int64 `json:"bytes"`
		Largest  int64 `json:"largest_bytes"`
		Over1MiB int64 `json:"over_1mib"`
	} `json:"fuse_requests"`
	Connectors []struct {
		Label   string `json:"label"`
		Allowed int64  `json:"allowed"`
		Denied  int64  `json:"denied"`
	} `json:"connectors"`
}

// statusOf runs `objfs status --json MOUNTPOINT`.
func statusOf(t *testing.T, dir string) objfsStatus {
	t.Helper()
	out, err := exec.Command(objfsBinary(t), "status", "--json", dir).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("objfs status --json %s: %v: %s", dir, err, ee.Stderr)
		}
		t.Fatalf("objfs status --json %s: %v", dir, err)
	}
	var s objfsStatus
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("objfs status --json: %v\n%s", err, out)
	}
	return s
}

// TestStatus: `objfs status --json` reports the mount's source and
// endpoint, the cache after a read, and a 200 MiB write as pending while
// its file is open; the mount table names the endpoint.
func TestStatus(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const size = 3<<20 + 123 // four 1 MiB blocks
	data := randomBytes(21, size)
	putObject(t, srv.SDK(), bucket, "data.bin", data)
	m := mount(t, "s3://"+bucket, "--block-size", "1M", "--cache-size", "64M", "--cache-dir", t.TempDir())

	mi, ok, err := mountinfo.FindFile(mountinfo.Self, m.Dir)
	if err != nil || !ok {
		t.Fatalf("mount table: %v, %v", ok, err)
	}
	// The source as given, as fstab spells it (mount -a compares it);
	// status names the endpoint.
	if want := "s3://" + bucket; mi.Source != want {
		t.Errorf("mount table source %q, want %q", mi.Source, want)
	}

	s0 := statusOf(t, m.Dir)
	if s0.Mountpoint != m.Dir || s0.Source != "s3://"+bucket || s0.Endpoint != srv.Endpoint || s0.PID != m.cmd.Process.Pid {
		t.Errorf("status names %q %q %q pid %d; want %q s3://%s %q pid %d", s0.Mountpoint, s0.Source, s0.Endpoint, s0.PID, m.Dir, bucket, srv.Endpoint, m.cmd.Process.Pid)
	}
	if s0.Requests["ListObjectsV2"]["2xx"] < 1 {
		t.Errorf("the preflight listing is not among the requests: %v", s0.Requests)
	}
	if s0.Cache.Memory.LimitBytes != 64<<20 || s0.Cache.Disk == nil {
		t.Errorf("cache limits: memory %d, disk %v; want 64 MiB and a disk tier", s0.Cache.Memory.LimitBytes, s0.Cache.Disk)
	}

	// A cold read fills the memory tier with its four blocks.
	if got := readFile(t, m.Path("data.bin")); md5hex(got) != md5hex(data) {
		t.Fatal("read differs")
	}
	s1 := statusOf(t, m.Dir)
	if mem := s1.Cache.Memory; mem.Blocks != 4 || mem.Bytes < size || mem.Misses < 1 {
		t.Errorf("after a cold read of 4 blocks: memory tier %+v", mem)
	}
	if d := s1.Requests["GetObject"]["2xx"] - s0.Requests["GetObject"]["2xx"]; d < 1 || d > 4 {
		t.Errorf("cold read: %d GetObject requests, want 1 to 4", d)
	}

	// A 200 MiB file still open: pending, with its age.
	const big = 200 << 20
	start := time.Now()
	f, err := os.Create(m.Path("big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := randomBytes(22, 1<<20)
	for i := 0; i < big>>20; i++ {
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			t.Fatal(err)
		}
	}
	s2 := statusOf(t, m.Dir)
	if s2.Uploads.Files != 1 || s2.Uploads.Bytes != big || s2.Uploads.Oldest == nil || s2.Uploads.Oldest.Before(start.Add(-time.Second)) {
		t.Errorf("200 MiB written, file open: uploads pending %+v; want 1 file of %d bytes, oldest since %v", s2.Uploads, big, start)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if s3 := statusOf(t, m.Dir); s3.Uploads.Files != 0 || s3.Uploads.Bytes != 0 || s3.Uploads.Oldest != nil {
		t.Errorf("after close: uploads pending %+v, want none", s3.Uploads)
	}

	// The human form names the mount; a directory that is not an objfs
	// mount is an error.
	out, err := exec.Command(objfsBinary(t), "status", m.Dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), m.Dir+": s3://"+bucket) || !strings.Contains(string(out), "uploads:    nothing pending") {
		t.Errorf("objfs status %s: %v\n%s", m.Dir, err, out)
	}
	if out, err := exec.Command(objfsBinary(t), "status", t.TempDir()).CombinedOutput(); err == nil || !strings.Contains(string(out), "is not an objfs mount") {
		t.Errorf("objfs status of a plain directory: %v: %s", err, out)
	}
}

// TestConnectorDenialAudit: a change a connector refuses is one info
// line in the log, however often it is tried within a minute, and
// counts as a denied decision.
func TestConnectorDenialAudit(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "data/a.csv", []byte("a\n"))
	putObject(t, srv.SDK(), bucket, "secret/s.txt", []byte("s\n"))
	yaml := connectorsYAML(
		connectorYAML{Label: "raw", Endpoint: srv.Endpoint, Access: "read", Paths: []string{bucket + "/data/*"},
			Creds: "    access_key_id: " + srv.AccessKey + "\n    secret_access_key: " + srv.SecretKey + "\n"},
	)
	ep := endpoint{URL: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	m := mountConnectors(t, ep, yaml, nil)
	before := statusOf(t, m.Dir)
	if len(before.Connectors) != 1 || before.Connectors[0].Label != "raw" {
		t.Fatalf("status connectors: %+v", before.Connectors)
	}

	target := m.Path("raw", bucket, "data", "new.txt")
	for range 3 {
		if err := os.WriteFile(target, []byte("x"), 0o644); !errors.Is(err, syscall.EROFS) {
			t.Fatalf("write in a read connector: %v, want EROFS", err)
		}
	}
	after := statusOf(t, m.Dir)
	if d := after.Connectors[0].Denied - before.Connectors[0].Denied; d < 1 {
		t.Errorf("denied decisions went from %d to %d", before.Connectors[0].Denied, after.Connectors[0].Denied)
	}
	log, err := os.ReadFile(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, "denied by connector") && strings.Contains(l, "data/new.txt") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[0], "connector=raw") || !strings.Contains(lines[0], "errno=EROFS") {
		t.Errorf("denial log lines: %q; want one info line naming the connector and EROFS\nlog:\n%s", lines, log)
	}

	// A read of a path no pattern reaches is ENOENT, and counted.
	if _, err := os.ReadFile(filepath.Join(m.Path("raw", bucket), "secret", "s.txt")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("read outside the patterns: %v, want ENOENT", err)
	}
}
