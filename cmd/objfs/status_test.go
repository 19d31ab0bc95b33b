package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/mountinfo"
	"github.com/objfs/objfs/metrics"
)

// TestStatusSocketRoundTrip: the daemon's socket is 0600 in a 0700
// directory and answers a client with the report.
func TestStatusSocketRoundTrip(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	mp := "/mnt/some where"
	want := statusReport{Mountpoint: mp, Source: "s3://b", PID: 42, Requests: map[string]map[string]int64{"GetObject": {"2xx": 3}},
		Uploads: uploadReport{Files: 1, Bytes: 200 << 20}}
	stop, err := listenStatus(slog.New(slog.NewTextHandler(io.Discard, nil)), mp, func() statusReport { return want })
	if err != nil {
		t.Fatal(err)
	}
	path := statusSocketPath(runtimeDir(), mp)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, %v; want mode 0600", path, st, err)
	}
	if dst, err := os.Stat(filepath.Dir(path)); err != nil || dst.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory: %v, %v; want 0700", dst, err)
	}
	got, err := readStatus(mp, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.PID != 42 || got.Uploads.Bytes != 200<<20 || got.Requests["GetObject"]["2xx"] != 3 {
		t.Errorf("readStatus = %+v", got)
	}
	stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left after stop: %v", err)
	}
	if _, err := readStatus(mp, -1); err == nil {
		t.Error("readStatus after stop succeeded")
	}
}

func TestErrorRingKeepsWarningsAndErrors(t *testing.T) {
	var out bytes.Buffer
	r := &errorRing{}
	log := slog.New(slog.NewTextHandler(r.tee(&out), nil))
	log.Info("fine")
	log.Warn("careful", "path", "a")
	for i := range ringSize + 3 {
		log.Error("broken", "i", i)
	}
	lines := r.Lines()
	if len(lines) != ringSize || !strings.Contains(lines[len(lines)-1], "i=22") || strings.Contains(strings.Join(lines, "\n"), "fine") {
		t.Errorf("ring = %q", lines)
	}
	if !strings.Contains(out.String(), "msg=fine") {
		t.Errorf("the tee lost a line: %q", out.String())
	}
}

func TestObjfsMountsAndOwner(t *testing.T) {
	table := filepath.Join(t.TempDir(), "mountinfo")
	os.WriteFile(table, []byte(`22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:52 / /mnt/a rw,nosuid,nodev shared:20 - fuse.objfs s3://x rw,user_id=1000,group_id=1000
41 22 0:53 / /mnt/b rw,nosuid,nodev shared:21 - fuse.sshfs h:/ rw,user_id=0,group_id=0
`), 0o600)
	all, err := objfsMounts(table, "")
	if err != nil || len(all) != 1 || all[0].MountPoint != "/mnt/a" || ownerOf(all[0]) != 1000 {
		t.Fatalf("objfsMounts = %+v, %v", all, err)
	}
	if _, err := objfsMounts(table, "/mnt/b"); err == nil || !strings.Contains(err.Error(), "not an objfs mount") {
		t.Errorf("objfsMounts(/mnt/b) = %v", err)
	}
	if ownerOf(mountinfo.Mount{SuperOptions: "rw"}) != -1 {
		t.Error("owner without user_id")
	}
}

func TestPrintStatus(t *testing.T) {
	oldest := time.Now().Add(-3 * time.Second)
	r := statusReport{Mountpoint: "/mnt/d", Source: "s3://d", Endpoint: "http://minio:9000", PID: 7, UptimeSeconds: 65, Log: "syslog",
		Cache:        cacheReport{Memory: tierReport{Bytes: 3 << 20, LimitBytes: 256 << 20, Blocks: 3, Hits: 9, Misses: 1}},
		Uploads:      uploadReport{Files: 1, Bytes: 5 << 20, Oldest: &oldest, OldestAgeSeconds: 3},
		Requests:     map[string]map[string]int64{"GetObject": {"2xx": 4, "5xx": 1}, "PutObject": {"2xx": 2}},
		FUSERequests: map[string]metrics.RequestSizeStats{"read": {Requests: 3, Bytes: 33 << 20, Largest: 16 << 20, Over1MiB: 2}},
	}
	var b bytes.Buffer
	printStatus(&b, r)
	for _, want := range []string{"/mnt/d: s3://d", "http://minio:9000", "pid 7, up 1m5s", "memory 3.0 MiB of 256.0 MiB (3 blocks), 9 hits, 1 misses (90% hits)",
		"1 file(s), 5.0 MiB, oldest 3s ago pending", "GetObject 5 (2xx 4, 5xx 1), PutObject 2", "errors:     none",
		"fuse read:  3 requests, 33.0 MiB, largest 16.0 MiB, 2 over 1 MiB"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, b.String())
		}
	}
}

// TestFollowUploads: after a lazy unmount, progress is printed until the
// daemon reports nothing pending.
func TestFollowUploads(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	mp := "/mnt/lazy"
	var calls atomic.Int32 // the socket serves each client on its own goroutine
	stop, err := listenStatus(slog.New(slog.NewTextHandler(io.Discard, nil)), mp, func() statusReport {
		if calls.Add(1) <= 2 {
			return statusReport{Log: "/var/log/objfs.log", Uploads: uploadReport{Files: 1, Bytes: 3 << 20}}
		}
		return statusReport{}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out bytes.Buffer
	followUploads(&out, mp, -1, os.Getpid(), time.Millisecond)
	for _, want := range []string{"logs to /var/log/objfs.log", "1 file(s), 3.0 MiB pending", "uploads done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	followUploads(&out, "/mnt/none", -1, os.Getpid(), time.Millisecond)
	if !strings.Contains(out.String(), "logs its progress") {
		t.Errorf("without a status socket: %q", out.String())
	}
}
