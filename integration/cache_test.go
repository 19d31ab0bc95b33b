//go:build linux

package integration

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/objfs/objfs/internal/testenv"
)

// TestDiskCacheSurvivesRemount: a 100 MiB object read through a mount
// with a disk cache is read again after a remount on the same --cache-dir
// without a single GET (counted by a proxy), with the same bytes.
func TestDiskCacheSurvivesRemount(t *testing.T) {
	srv := requireMountable(t)
	bucket, key, data := seedBig(t, srv)
	ep, proxy := proxiedEndpoint(t, srv)
	args := []string{"--cache-dir", t.TempDir(), "--cache-disk-size", "512M"}

	m := mountVia(t, ep, "s3://"+bucket, args...)
	if sum := md5sumOf(t, m.Path(key)); sum != md5hex(data) {
		t.Fatalf("first read: md5 %s, want %s", sum, md5hex(data))
	}
	t.Logf("first mount: %v", proxy.Counts())
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	stats := cacheStats(t, m)
	t.Logf("disk writes skipped while reading: %d, written at eviction or unmount: %d",
		stats["block_disk_writes_skipped"], stats["block_disk_writes_late"])

	proxy.Reset()
	m2 := mountVia(t, ep, "s3://"+bucket, args...)
	if sum := md5sumOf(t, m2.Path(key)); sum != md5hex(data) {
		t.Fatalf("read after remount: md5 %s, want %s", sum, md5hex(data))
	}
	counts := proxy.Counts()
	t.Logf("second mount: %v", counts)
	if n := counts[reqGetObject]; n != 0 {
		t.Errorf("reading a cached object after a remount sent %d GETs, want none; first: %v", n, proxy.Seen())
	}
	if err := m2.Unmount(); err != nil {
		t.Fatal(err)
	}
	if hits := cacheStats(t, m2)["block_disk_hits"]; hits < bigSize>>20 {
		t.Errorf("the second mount read %d blocks from disk, want all %d", hits, bigSize>>20)
	}
}

// cacheStatsLine matches the "cache statistics" line the daemon logs when
// it closes.
var cacheStatsLine = regexp.MustCompile(`msg="cache statistics"(.*)`)

// cacheStats returns the counters of the "cache statistics" line of an
// unmounted Mount's log.
func cacheStats(t *testing.T, m *Mount) map[string]int64 {
	t.Helper()
	log, err := os.ReadFile(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	match := cacheStatsLine.FindSubmatch(log)
	if match == nil {
		t.Fatalf("no cache statistics in the objfs log")
	}
	out := map[string]int64{}
	for _, kv := range strings.Fields(string(match[1])) {
		k, v, ok := strings.Cut(kv, "=")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			out[k] = n
		}
	}
	return out
}

// TestChangedObjectReadFreshAfterTTL: an object overwritten in S3 (not
// through the mount) is read in its new version once the TTLs have
// passed, although the old version's blocks are still in the memory and
// disk caches (a block belongs to one ETag); a name created in S3 after a
// failed lookup appears after the TTL too.
func TestChangedObjectReadFreshAfterTTL(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	oldData, newData := randomBytes(30, 3<<20+123), randomBytes(31, 2<<20+7)
	putObject(t, srv.SDK(), bucket, "v.bin", oldData)
	m := mount(t, "s3://"+bucket, "--stat-ttl", ttlFlag, "--list-ttl", ttlFlag, "--cache-dir", t.TempDir())

	if sum := md5sumOf(t, m.Path("v.bin")); sum != md5hex(oldData) {
		t.Fatalf("first read: md5 %s, want %s", sum, md5hex(oldData))
	}
	if _, err := os.Stat(m.Path("later.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stat of a missing name: %v, want ENOENT", err)
	}
	putObject(t, srv.SDK(), bucket, "v.bin", newData)
	putObject(t, srv.SDK(), bucket, "later.bin", []byte("late\n"))

	time.Sleep(ttlWait)
	if sum := md5sumOf(t, m.Path("v.bin")); sum != md5hex(newData) {
		t.Errorf("read after the TTL: md5 %s, want the new version's %s (old: %v)", sum, md5hex(newData), sum == md5hex(oldData))
	}
	if size := strings.TrimSpace(mustRun(t, "stat", "-c", "%s", m.Path("v.bin"))); size != strconv.Itoa(len(newData)) {
		t.Errorf("size after the TTL: %s, want %d", size, len(newData))
	}
	if got := mustRun(t, "cat", m.Path("later.bin")); got != "late\n" {
		t.Errorf("name created in S3, after the TTL: %q", got)
	}
	entries := parseLsL(t, mustRun(t, "ls", "-l", m.Path()))
	if len(entries) != 2 {
		t.Errorf("ls -l after the TTL: %v, want v.bin and later.bin", entries)
	}
}

// The directory TestHugeDirectory lists: hugeDirCount objects
// huge/s000000.tar ... in bucket hugeBucket.
const (
	hugeDirCount = 100_000
	hugeBucket   = "huge-dir"
	hugeTemplate = "huge-dir-100k-v1" // change when the seed changes
)

// TestHugeDirectory: a directory of 100,000 keys lists completely (find),
// with no duplicates; within the TTL, stat of every entry and du are
// answered from the metadata cache without a single request; and its
// cached form is compact (the daemon reports the listing's bytes). (ls -l
// is TestLargeDirectory's, on 10,000: here, in the race-built daemon, it
// would take minutes.) The objects are seeded
// once per machine into a MinIO template (testenv.NewMemMinIOFrom): MinIO
// spends milliseconds of CPU on every PUT, so seeding takes minutes, while
// copying the template takes seconds.
func TestHugeDirectory(t *testing.T) {
	requireMountable(t)
	start := time.Now()
	srv := testenv.NewMemMinIOFrom(t, hugeTemplate, func(s *testenv.Server) error {
		return seedHugeDir(t, s)
	})
	bucket := hugeBucket
	t.Logf("MinIO with %d objects ready in %v", hugeDirCount, time.Since(start).Round(time.Millisecond))

	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket, "--stat-ttl", "10m", "--list-ttl", "10m")

	start = time.Now()
	names := lines(mustRun(t, "find", m.Path("huge"), "-mindepth", "1", "-printf", `%f\n`))
	t.Logf("find: %d names in %v, requests %v", len(names), time.Since(start).Round(time.Millisecond), proxy.Counts())
	checkNoDuplicates(t, "find", names)
	if len(names) != hugeDirCount {
		t.Fatalf("find listed %d names, want %d", len(names), hugeDirCount)
	}
	for _, n := range names {
		var i int
		if _, err := fmt.Sscanf(n, "s%06d.tar", &i); err != nil || i < 0 || i >= hugeDirCount || n != fmt.Sprintf("s%06d.tar", i) {
			t.Fatalf("find listed %q, which is not in the bucket", n)
		}
	}
	if pages := proxy.Counts()[reqList]; pages < hugeDirCount/listPageMax {
		t.Errorf("%d list requests, fewer than the %d pages of the directory", pages, hugeDirCount/listPageMax)
	}

	// Within the TTL, stat of every entry (find -printf %s) and du are
	// answered from the cached listing: not one request.
	proxy.Reset()
	start = time.Now()
	sized := lines(mustRun(t, "find", m.Path("huge"), "-mindepth", "1", "-printf", `%s %f\n`))
	du := strings.Fields(mustRun(t, "du", "-s", "--apparent-size", "--block-size=1", m.Path("huge")))
	t.Logf("cached find -printf %%s and du: %v", time.Since(start).Round(time.Millisecond))
	if len(sized) != hugeDirCount || !strings.HasPrefix(sized[0], "1 ") {
		t.Errorf("cached find -printf listed %d entries (first %q), want %d of 1 byte", len(sized), sized[0], hugeDirCount)
	}
	if want := strconv.Itoa(hugeDirCount * 1); len(du) == 0 || du[0] != want {
		t.Errorf("du --apparent-size: %v, want %s (one byte per object; the directory counts 0)", du, want)
	}
	if counts := proxy.Counts(); len(counts) != 0 {
		t.Errorf("stat and du of a cached directory sent requests: %v", counts)
	}

	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	stats := cacheStats(t, m)
	perEntry := float64(stats["listing_bytes"]) / hugeDirCount
	t.Logf("cached listings: %d, %d bytes: %.1f bytes per entry", stats["listings"], stats["listing_bytes"], perEntry)
	if perEntry <= 0 || perEntry > 100 {
		t.Errorf("the cached listing takes %.1f bytes per entry, want at most 100", perEntry)
	}
}

// seedHugeDir creates hugeBucket on s and fills it with putmany (built
// without the race detector, which would slow the SDK several times).
func seedHugeDir(t *testing.T, s *testenv.Server) error {
	ctx, cancel := s3ctx()
	defer cancel()
	if _, err := s.SDK().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(hugeBucket)}); err != nil {
		return err
	}
	cmd := exec.Command(putmanyBinary(t), "-endpoint", s.Endpoint, "-bucket", hugeBucket,
		"-prefix", "huge/s", "-suffix", ".tar", "-count", strconv.Itoa(hugeDirCount), "-workers", "64")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+s.AccessKey, "AWS_SECRET_ACCESS_KEY="+s.SecretKey)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("putmany: %v: %s", err, out)
	}
	return nil
}

var putmanyBuilt struct {
	once sync.Once
	path string
	err  error
}

// putmanyBinary builds integration/cmd/putmany once per run, without the
// race detector.
func putmanyBinary(t *testing.T) string {
	t.Helper()
	putmanyBuilt.once.Do(func() {
		putmanyBuilt.path = filepath.Join(binDir, "putmany")
		cmd := exec.Command("go", "build", "-o", putmanyBuilt.path, "github.com/objfs/objfs/integration/cmd/putmany")
		if out, err := cmd.CombinedOutput(); err != nil {
			putmanyBuilt.err = fmt.Errorf("go build putmany: %v\n%s", err, out)
		}
	})
	if putmanyBuilt.err != nil {
		t.Fatal(putmanyBuilt.err)
	}
	return putmanyBuilt.path
}

// TestCachedDirectorySendsNothing: once a directory is listed, ls -l,
// find, du and cat of a file read before send no request while the TTLs
// last (the listing, the attributes and the blocks are cached).
func TestCachedDirectorySendsNothing(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	objs := map[string][]byte{}
	for i := range 200 {
		objs[fmt.Sprintf("d/f%03d", i)] = randomBytes(uint64(i), 1000+i)
	}
	putMany(t, srv.SDK(), bucket, objs, 16)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket, "--stat-ttl", "10m", "--list-ttl", "10m")
	mustRun(t, "ls", "-l", m.Path("d"))
	mustRun(t, "cat", m.Path("d", "f007"))
	t.Logf("first ls -l and cat: %v", proxy.Counts())

	proxy.Reset()
	if n := len(parseLsL(t, mustRun(t, "ls", "-l", m.Path("d")))); n != 200 {
		t.Errorf("ls -l listed %d entries, want 200", n)
	}
	if n := len(lines(mustRun(t, "find", m.Path("d"), "-type", "f"))); n != 200 {
		t.Errorf("find listed %d files, want 200", n)
	}
	mustRun(t, "du", "-s", m.Path("d"))
	if got := mustRun(t, "cat", m.Path("d", "f007")); got != string(objs["d/f007"]) {
		t.Error("cat of a cached file: wrong bytes")
	}
	if counts := proxy.Counts(); len(counts) != 0 {
		t.Errorf("a cached directory sent requests: %v: %v", counts, proxy.Seen())
	}
}
