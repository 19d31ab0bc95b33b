//go:build linux

package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	largeDirCount = 10_000
	seedWorkers   = 32
	listPageMax   = 1000 // S3's (and MinIO's) largest ListObjectsV2 page
)

// lsEntry is one line of `ls -l`.
type lsEntry struct {
	name string
	size int64
	mode string
}

// parseLsL parses `ls -l` output (C locale): "MODE LINKS USER GROUP SIZE
// MON DAY TIME|YEAR NAME", after the "total" line.
func parseLsL(t *testing.T, out string) []lsEntry {
	t.Helper()
	var entries []lsEntry
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "total ") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 9 {
			t.Fatalf("unexpected ls -l line %q", l)
		}
		size, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			t.Fatalf("ls -l line %q: size: %v", l, err)
		}
		entries = append(entries, lsEntry{name: strings.Join(f[8:], " "), size: size, mode: f[0]})
	}
	return entries
}

// TestLargeDirectory: a directory of 10,000 objects lists completely, with
// no duplicates and the right sizes, and `ls -l` on it sends no HEAD (or
// GET) requests, none for its entries above all: attributes come from the
// listing. Requests are counted by a proxy between objfs and MinIO.
func TestLargeDirectory(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	objs := make(map[string][]byte, largeDirCount)
	sizes := make(map[string]int64, largeDirCount)
	for i := range largeDirCount {
		name := fmt.Sprintf("f%05d.dat", i)
		objs["many/"+name] = randomBytes(uint64(i), i%97)
		sizes[name] = int64(i % 97)
	}
	start := time.Now()
	putMany(t, srv.SDK(), bucket, objs, seedWorkers)
	t.Logf("seeded %d objects in %v", largeDirCount, time.Since(start).Round(time.Millisecond))

	ep, proxy := proxiedEndpoint(t, srv)
	// TTLs longer than the test, so that nothing is looked up twice and
	// every request counted below is one that ls -l needed.
	m := mountVia(t, ep, "s3://"+bucket, "--stat-ttl", "10m", "--list-ttl", "10m")
	mustRun(t, "stat", m.Path("many")) // resolve the directory itself first
	t.Logf("requests to mount and stat the directory: %v", proxy.Counts())

	proxy.Reset()
	entries := parseLsL(t, mustRun(t, "ls", "-l", m.Path("many")))
	counts := proxy.Counts()
	t.Logf("requests for ls -l of %d objects: %v", largeDirCount, counts)
	if n := countUnder(proxy.Keys(reqHeadObject), "many/"); n != 0 {
		t.Errorf("ls -l sent %d HEAD requests for entries of the directory, want none; requests other than listings:\n%s",
			n, strings.Join(proxy.Seen(), "\n"))
	}
	if n := countUnder(proxy.Keys(reqGetObject), "many/"); n != 0 {
		t.Errorf("ls -l sent %d GET requests for entries of the directory, want none", n)
	}
	if n := counts[reqHeadObject]; n != 0 {
		t.Errorf("ls -l sent %d HEAD requests in all, want none (keys %q)", n, proxy.Keys(reqHeadObject))
	}
	if min := largeDirCount / listPageMax; counts[reqList] < min {
		t.Errorf("ls -l sent %d ListObjectsV2 requests; %d objects need at least %d pages", counts[reqList], largeDirCount, min)
	}
	checkLargeListing(t, entries, sizes)

	names := lines(mustRun(t, "find", m.Path("many"), "-type", "f", "-printf", `%f\n`))
	checkNoDuplicates(t, "find", names)
	if len(names) != largeDirCount {
		t.Errorf("find listed %d files, want %d", len(names), largeDirCount)
	}
}

// countUnder counts the keys that start with prefix.
func countUnder(keys []string, prefix string) int {
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// checkLargeListing compares ls -l entries with the seeded names and sizes.
func checkLargeListing(t *testing.T, entries []lsEntry, sizes map[string]int64) {
	t.Helper()
	var names []string
	for _, e := range entries {
		names = append(names, e.name)
		want, ok := sizes[e.name]
		switch {
		case !ok:
			t.Errorf("ls -l shows %q, which is not in the bucket", e.name)
		case e.size != want:
			t.Errorf("ls -l: %s has size %d, want %d", e.name, e.size, want)
		case !strings.HasPrefix(e.mode, "-"):
			t.Errorf("ls -l: %s has mode %s, want a regular file", e.name, e.mode)
		}
	}
	checkNoDuplicates(t, "ls -l", names)
	if len(entries) != len(sizes) {
		t.Errorf("ls -l listed %d entries, want %d", len(entries), len(sizes))
	}
	if !slices.IsSorted(names) {
		t.Error("ls -l output is not sorted by name (parse error?)")
	}
}
