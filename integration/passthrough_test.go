//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/objfs/objfs/internal/testenv"
)

// Issue 15, items 2 and 3, end to end: the real binary through kernel
// FUSE against MinIO, with a disk cache. Passthrough needs Linux 6.9+ and
// root, which the test machine has: a mount that cannot use it fails these
// tests (the log says why), it does not skip them.

// passthroughMount mounts bucket with a disk cache in cacheDir and a
// metrics address, and returns the mount and the address.
func passthroughMount(t *testing.T, bucket, cacheDir string, args ...string) (*Mount, string) {
	t.Helper()
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args = append([]string{"--cache-dir", cacheDir, "--metrics-addr", addr, "--passthrough"}, args...)
	return mount(t, "s3://"+bucket, args...), addr
}

// waitDiskBlocks waits until the disk tier holds at least n blocks (its
// writes are asynchronous).
func waitDiskBlocks(t *testing.T, addr string, n int) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := scrapeMetrics(t, addr)
		if got := metricValue(m, "objfs_cache_blocks", "tier", "disk"); got >= float64(n) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("the disk tier never held %d blocks", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requirePassthroughLog fails unless the mount's log is free of the
// "passthrough unavailable" line.
func requirePassthroughLog(t *testing.T, m *Mount) {
	t.Helper()
	log, err := os.ReadFile(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.Index(string(log), "passthrough unavailable"); i >= 0 {
		t.Fatalf("this machine must support passthrough (Linux 6.9+, root): %s", strings.SplitN(string(log[i:]), "\n", 2)[0])
	}
}

// TestPassthroughReadsCachedFileWithoutTheDaemon: once every block of an
// object is on the disk tier, an open is a passthrough one: the bytes
// (md5) are S3's, and re-reading them, past the page cache, sends the
// daemon not one FUSE READ.
func TestPassthroughReadsCachedFileWithoutTheDaemon(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const size = 5<<20 + 123 // six 1 MiB blocks, the last one short
	data := randomBytes(151, size)
	putObject(t, srv.SDK(), bucket, "p.bin", data)
	m, addr := passthroughMount(t, bucket, t.TempDir(), "--block-size", "1M")
	requirePassthroughLog(t, m)
	path := m.Path("p.bin")

	if sum := md5sumOf(t, path); sum != md5hex(data) {
		t.Fatalf("first read: md5 %s, want %s", sum, md5hex(data))
	}
	m1 := waitDiskBlocks(t, addr, 6)
	dropPages(t, path)
	if sum := md5sumOf(t, path); sum != md5hex(data) {
		t.Fatalf("passthrough read: md5 %s, want %s", sum, md5hex(data))
	}
	m2 := scrapeMetrics(t, addr)
	if d := delta(m1, m2, "objfs_fuse_operations_total", "op", "read"); d != 0 {
		t.Errorf("re-reading a fully cached file sent %v FUSE reads, want none (passthrough)", d)
	}
	if d := delta(m1, m2, "objfs_fuse_operations_total", "op", "open"); d < 1 {
		t.Errorf("no open counted")
	}
	// Random reads, through an open passthrough file.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for _, off := range []int64{0, 3<<20 + 17, size - 4096, 1 << 20} {
		if n, err := f.ReadAt(buf, off); err != nil || n != 4096 || string(buf) != string(data[off:off+4096]) {
			t.Fatalf("pread at %d: %d bytes, %v, or wrong bytes", off, n, err)
		}
	}
	if n, err := f.ReadAt(buf, size-10); n != 10 || string(buf[:10]) != string(data[size-10:]) {
		t.Fatalf("pread at the end: %d bytes, %v", n, err)
	}
	f.Close()
	if d := delta(m1, scrapeMetrics(t, addr), "objfs_fuse_operations_total", "op", "read"); d != 0 {
		t.Errorf("random reads of a passthrough file sent %v FUSE reads", d)
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	if n := cacheStats(t, m)["passthrough_opens"]; n < 2 {
		t.Errorf("passthrough opens %d, want at least 2", n)
	}
}

// TestPassthroughNeverServesOldVersion: an object overwritten in S3 is
// read in its new version by an open after the TTL. A passthrough open
// of the old version keeps reading the version it opened; the kernel
// cannot give the same inode two backing files, so the new version's
// open waits until the old one is closed.
func TestPassthroughNeverServesOldVersion(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	oldData, newData := randomBytes(152, 3<<20+5), randomBytes(153, 2<<20+9)
	putObject(t, srv.SDK(), bucket, "v.bin", oldData)
	m, addr := passthroughMount(t, bucket, t.TempDir(), "--block-size", "1M", "--stat-ttl", ttlFlag, "--list-ttl", ttlFlag)
	requirePassthroughLog(t, m)
	path := m.Path("v.bin")
	if sum := md5sumOf(t, path); sum != md5hex(oldData) {
		t.Fatal("first read differs")
	}
	waitDiskBlocks(t, addr, 4)
	old, err := os.Open(path) // a passthrough open of the old version
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	putObject(t, srv.SDK(), bucket, "v.bin", newData)
	time.Sleep(ttlWait)
	closed := make(chan time.Time, 1)
	go func() {
		time.Sleep(time.Second)
		buf := make([]byte, 1000)
		if _, err := old.ReadAt(buf, 2<<20); err != nil || string(buf) != string(oldData[2<<20:2<<20+1000]) {
			t.Errorf("the old open's read: %v, or not the version it opened", err)
		}
		closed <- time.Now()
		old.Close()
	}()
	if sum := md5sumOf(t, path); sum != md5hex(newData) {
		t.Errorf("read after the TTL: md5 %s, want the new version's %s (old: %v)", sum, md5hex(newData), sum == md5hex(oldData))
	}
	select {
	case <-closed:
	default:
		t.Error("the new version was opened while the old one was open in passthrough")
	}
	// Once the new version is cached, it too is read by passthrough.
	waitDiskBlocks(t, addr, 4+3)
	if sum := md5sumOf(t, path); sum != md5hex(newData) {
		t.Errorf("re-read of the new version: md5 %s", sum)
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	if n := cacheStats(t, m)["passthrough_opens"]; n < 2 {
		t.Errorf("passthrough opens %d, want at least 2 (one per version)", n)
	}
}

// TestPassthroughSurvivesEviction: evicting the cache file of an object
// open in passthrough (a read of another object needs its space) unlinks
// it, and the open file still reads the object's bytes.
func TestPassthroughSurvivesEviction(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	a, b := randomBytes(154, 4<<20), randomBytes(155, 6<<20)
	putObject(t, srv.SDK(), bucket, "a.bin", a)
	putObject(t, srv.SDK(), bucket, "b.bin", b)
	cacheDir := t.TempDir()
	m, addr := passthroughMount(t, bucket, cacheDir, "--block-size", "1M", "--cache-disk-size", "8M")
	requirePassthroughLog(t, m)
	if sum := md5sumOf(t, m.Path("a.bin")); sum != md5hex(a) {
		t.Fatal("first read differs")
	}
	waitDiskBlocks(t, addr, 4)
	f, err := os.Open(m.Path("a.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 100)
	if _, err := f.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	dataFiles := func() int {
		names, _ := filepath.Glob(filepath.Join(cacheDir, "objects", "*", "*"))
		n := 0
		for _, p := range names {
			if !strings.HasSuffix(p, ".idx") {
				n++
			}
		}
		return n
	}
	if sum := md5sumOf(t, m.Path("b.bin")); sum != md5hex(b) {
		t.Fatal("read of b differs")
	}
	m2 := waitDiskBlocks(t, addr, 6)
	if ev := metricValue(m2, "objfs_cache_evictions_total", "tier", "disk"); ev < 1 {
		t.Fatalf("no disk eviction (%v): the test did not evict a.bin", ev)
	}
	if n := dataFiles(); n != 1 {
		t.Errorf("%d data files in the cache, want only b.bin's", n)
	}
	dropPages(t, m.Path("a.bin"))
	got := make([]byte, len(a))
	if n, err := f.ReadAt(got, 0); n != len(a) || (err != nil && n != len(a)) || md5hex(got) != md5hex(a) {
		t.Fatalf("the open passthrough file after eviction: %d bytes, %v, md5 %s want %s", n, err, md5hex(got), md5hex(a))
	}
	if d := delta(m2, scrapeMetrics(t, addr), "objfs_fuse_operations_total", "op", "read"); d != 0 {
		t.Errorf("the read after eviction sent %v FUSE reads: it was not a passthrough read", d)
	}
}

// TestCorruptCacheFileRefetched: a flipped byte in a cache file, found
// after a remount, is detected by its checksum, and the block is fetched
// again: the bytes read are S3's.
func TestCorruptCacheFileRefetched(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	data := randomBytes(156, 3<<20+1)
	putObject(t, srv.SDK(), bucket, "c.bin", data)
	cacheDir := t.TempDir()
	m, addr := passthroughMount(t, bucket, cacheDir, "--block-size", "1M")
	if sum := md5sumOf(t, m.Path("c.bin")); sum != md5hex(data) {
		t.Fatal("first read differs")
	}
	waitDiskBlocks(t, addr, 4)
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(cacheDir, "objects", "*", "*"))
	var dataFile string
	for _, p := range names {
		if !strings.HasSuffix(p, ".idx") {
			dataFile = p
		}
	}
	if dataFile == "" {
		t.Fatalf("no cache data file among %v", names)
	}
	raw, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatal(err)
	}
	raw[2<<20+1234] ^= 0x20
	if err := os.WriteFile(dataFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	m2, _ := passthroughMount(t, bucket, cacheDir, "--block-size", "1M")
	if sum := md5sumOf(t, m2.Path("c.bin")); sum != md5hex(data) {
		t.Fatalf("read over a corrupt cache file: md5 %s, want %s", sum, md5hex(data))
	}
	if err := m2.Unmount(); err != nil {
		t.Fatal(err)
	}
	st := cacheStats(t, m2)
	if st["block_checksum_failures"] != 1 || st["block_fetches"] != 1 {
		t.Errorf("checksum failures %d and fetches %d, want 1 and 1", st["block_checksum_failures"], st["block_fetches"])
	}
}

// TestPassthroughWriteWaitsForReaders: a write open of a file open in
// passthrough waits until that open is closed (the kernel cannot mix the
// two), then writes as usual: S3 gets the new bytes, and a later read
// sees them.
func TestPassthroughWriteWaitsForReaders(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	oldData, newData := randomBytes(157, 2<<20+3), randomBytes(158, 100_000)
	putObject(t, srv.SDK(), bucket, "w.bin", oldData)
	m, addr := passthroughMount(t, bucket, t.TempDir(), "--block-size", "1M")
	requirePassthroughLog(t, m)
	path := m.Path("w.bin")
	if sum := md5sumOf(t, path); sum != md5hex(oldData) {
		t.Fatal("first read differs")
	}
	waitDiskBlocks(t, addr, 3)
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		time.Sleep(time.Second)
		close(closed)
		reader.Close()
	}()
	if err := os.WriteFile(path, newData, 0o644); err != nil {
		t.Fatalf("write while a passthrough reader was open: %v", err)
	}
	select {
	case <-closed:
	default:
		t.Error("the write open did not wait for the passthrough open")
	}
	if got, _ := getObject(t, srv.SDK(), bucket, "w.bin"); md5hex(got) != md5hex(newData) {
		t.Errorf("S3 holds md5 %s, want the written %s", md5hex(got), md5hex(newData))
	}
	if sum := md5sumOf(t, path); sum != md5hex(newData) {
		t.Errorf("read after the write: md5 %s, want %s", sum, md5hex(newData))
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	if n := cacheStats(t, m)["passthrough_opens"]; n < 1 {
		t.Errorf("passthrough opens %d: the reader was not a passthrough open", n)
	}
}
