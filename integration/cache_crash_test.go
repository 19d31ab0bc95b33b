//go:build linux

package integration

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// TestDiskCacheAfterKill: a daemon killed with SIGKILL (its cache
// directory lock dies with it, its disk writes stop wherever they were)
// leaves a cache that the next mount on the same --cache-dir takes over:
// it starts (no "cache dir busy"), reads S3's bytes, and serves the blocks
// that were on disk without a GET.
func TestDiskCacheAfterKill(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	data := randomBytes(171, 5<<20+321)
	putObject(t, srv.SDK(), bucket, "k.bin", data)
	ep, proxy := proxiedEndpoint(t, srv)
	cacheDir := t.TempDir()
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--cache-dir", cacheDir, "--cache-disk-size", "64M", "--block-size", "1M"}

	m := mountVia(t, ep, "s3://"+bucket, append(args, "--metrics-addr", addr)...)
	if sum := md5sumOf(t, m.Path("k.bin")); sum != md5hex(data) {
		t.Fatal("first read differs")
	}
	waitDiskBlocks(t, addr, 6)
	waitForLog(t, m.LogPath, "mounted ")
	m.cmd.Process.Kill()
	<-m.exited
	m.stopped = true // killed on purpose
	if out, err := exec.Command("fusermount3", "-u", "-z", m.Dir).CombinedOutput(); err != nil {
		t.Fatalf("fusermount3 -u -z: %v: %s", err, out)
	}

	proxy.Reset()
	m2 := mountVia(t, ep, "s3://"+bucket, args...)
	if sum := md5sumOf(t, m2.Path("k.bin")); sum != md5hex(data) {
		t.Fatalf("read after the crash: md5 %s, want %s", sum, md5hex(data))
	}
	if n := proxy.Counts()[reqGetObject]; n != 0 {
		t.Errorf("blocks on disk before the crash cost %d GETs after it, want none", n)
	}
	if err := m2.Unmount(); err != nil {
		t.Fatal(err)
	}
	if st := cacheStats(t, m2); st["block_checksum_failures"] != 0 {
		t.Errorf("a clean cache reported %d checksum failures after the kill", st["block_checksum_failures"])
	}
}
