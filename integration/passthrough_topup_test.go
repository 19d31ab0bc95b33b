//go:build linux

package integration

import (
	"testing"
	"time"
)

// TestPassthroughTopUpFromMemory: a.bin lost blocks on the disk tier to
// b.bin (the disk cache holds a little less than both) while all of it
// stayed in memory. Its re-read is served from memory; the top-up at its
// close must write the missing blocks from there (and not evict a.bin's
// own blocks for them), so that a later open is a passthrough one: its
// read sends the daemon no FUSE READ, and the bytes are S3's.
func TestPassthroughTopUpFromMemory(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	a, b := randomBytes(156, 8<<20), randomBytes(157, 5<<20)
	putObject(t, srv.SDK(), bucket, "a.bin", a)
	putObject(t, srv.SDK(), bucket, "b.bin", b)
	m, addr := passthroughMount(t, bucket, t.TempDir(), "--block-size", "1M", "--cache-disk-size", "12M",
		"--cache-size", "64M", "--cache-whole-max", "0")
	requirePassthroughLog(t, m)
	if sum := md5sumOf(t, m.Path("a.bin")); sum != md5hex(a) {
		t.Fatal("first read of a.bin differs")
	}
	waitDiskBlocks(t, addr, 8)
	if sum := md5sumOf(t, m.Path("b.bin")); sum != md5hex(b) {
		t.Fatal("read of b.bin differs")
	}
	m1 := waitDiskBlocks(t, addr, 11) // 12M holds 11 blocks: b.bin evicted a.bin's oldest
	if ev := metricValue(m1, "objfs_cache_evictions_total", "tier", "disk"); ev < 1 {
		t.Fatalf("no disk eviction (%v): the test did not push a.bin out", ev)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		before := scrapeMetrics(t, addr)
		dropPages(t, m.Path("a.bin"))
		if sum := md5sumOf(t, m.Path("a.bin")); sum != md5hex(a) {
			t.Fatal("re-read of a.bin differs")
		}
		if d := delta(before, scrapeMetrics(t, addr), "objfs_fuse_operations_total", "op", "read"); d == 0 {
			return // a passthrough open
		}
		if time.Now().After(deadline) {
			t.Fatal("a.bin re-read again and again never became whole on disk: no open of it is a passthrough one")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
