//go:build linux

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The memory budget the large-file test checks: the default write buffer
// ((4 uploads + 2) x 8 MiB), plus what the process needs besides write
// buffers while it serves one large copy (the Go runtime, FUSE request
// buffers, HTTP connections), measured at about 35 MiB over the idle RSS.
const (
	writeBudget   = 6 * 8 << 20
	fixedOverhead = 48 << 20
)

// TestWriteLargeFileBoundedMemory: cp of a 1 GiB file streams it as a
// multipart upload while the daemon's peak RSS (VmHWM) stays within the
// write budget plus a fixed overhead, whatever the file size. It runs a
// binary built without the race detector, whose own memory would swamp
// the measurement.
func TestWriteLargeFileBoundedMemory(t *testing.T) {
	t.Parallel()
	const size = 1 << 30
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mountWithBinary(t, plainBinary(t), serverEndpoint(srv), "s3://"+bucket)
	src, sum := writeRandomFile(t, t.TempDir(), "gib.bin", 77, size)
	idle, _ := memoryKiB(t, m.PID())
	start := time.Now()
	mustRun(t, "cp", src, m.Path("gib.bin"))
	took := time.Since(start)
	_, peak := memoryKiB(t, m.PID())
	t.Logf("1 GiB cp: %v (%.0f MiB/s); daemon RSS idle %d MiB, peak %d MiB (budget %d MiB + overhead %d MiB)",
		took.Round(time.Millisecond), float64(size)/(1<<20)/took.Seconds(), idle>>10, peak>>10, writeBudget>>20, fixedOverhead>>20)
	if limit := idle + (writeBudget+fixedOverhead)>>10; peak > limit {
		t.Errorf("peak RSS %d KiB over idle %d KiB + budget + overhead (%d KiB)", peak, idle, limit)
	}
	if got, n := objectMD5(t, srv.SDK(), bucket, "gib.bin"); got != sum || n != size {
		t.Errorf("S3 holds %d bytes, md5 %s; want %d, %s", n, got, int64(size), sum)
	}
	if etag, _ := headMeta(t, srv.SDK(), bucket, "gib.bin"); !strings.HasSuffix(etag, "-128") {
		t.Errorf("ETag %s: want a 128-part multipart object", etag)
	}
}

var plainBuilt struct {
	once sync.Once
	path string
	err  error
}

// plainBinary returns objfs built without the race detector (once per
// run), or $OBJFS_BINARY when set.
func plainBinary(t *testing.T) string {
	t.Helper()
	plainBuilt.once.Do(func() {
		if p := os.Getenv("OBJFS_BINARY"); p != "" {
			plainBuilt.path, plainBuilt.err = filepath.Abs(p)
			return
		}
		plainBuilt.path = filepath.Join(binDir, "objfs-plain")
		cmd := exec.Command("go", "build", "-o", plainBuilt.path, "github.com/objfs/objfs/cmd/objfs")
		if out, err := cmd.CombinedOutput(); err != nil {
			plainBuilt.err = fmt.Errorf("go build ./cmd/objfs: %v\n%s", err, out)
		}
	})
	if plainBuilt.err != nil {
		t.Fatal(plainBuilt.err)
	}
	return plainBuilt.path
}

// mountWithBinary is mountVia with another objfs binary.
func mountWithBinary(t *testing.T, bin string, ep endpoint, source string, args ...string) *Mount {
	t.Helper()
	requireMountable(t)
	parent, dir := newMountDir(t)
	m := &Mount{Dir: dir, LogPath: filepath.Join(parent, "objfs.log"), t: t, secret: ep.SecretKey, parent: parent}
	logf, err := os.Create(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	m.cmd = objfsMountCmd(t, ep, parent, source, dir, args...)
	m.cmd.Path, m.cmd.Args[0] = bin, bin
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start objfs: %v", err)
	}
	m.exited = make(chan struct{})
	go func() { m.exitErr = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(m.cleanup)
	m.waitMounted()
	return m
}
