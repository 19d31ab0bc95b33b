//go:build linux

package integration

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

const bigSize = 100 << 20 // the 100 MiB object

// bigObject is one 100 MiB object shared by the tests that read it.
var bigObject struct {
	once   sync.Once
	bucket string
	key    string
	data   []byte
	err    error
}

// seedBig stores the 100 MiB object once per test binary and returns its
// bucket, key and content.
func seedBig(t *testing.T, srv *testenv.Server) (bucket, key string, data []byte) {
	t.Helper()
	bigObject.once.Do(func() {
		bigObject.bucket = srv.NewBucket(t)
		bigObject.key = "data/big.bin"
		bigObject.data = randomBytes(100, bigSize)
		bigObject.err = tryPut(srv.SDK(), bigObject.bucket, bigObject.key, bigObject.data)
	})
	if bigObject.err != nil {
		t.Fatal(bigObject.err)
	}
	return bigObject.bucket, bigObject.key, bigObject.data
}

// md5sumOf runs md5sum on path and returns the hex digest.
func md5sumOf(t *testing.T, path string) string {
	t.Helper()
	fields := strings.Fields(mustRun(t, "md5sum", path))
	if len(fields) == 0 {
		t.Fatalf("md5sum %s printed nothing", path)
	}
	return fields[0]
}

// TestContentMatchesS3: sizes and md5 sums of empty, small and 100 MiB
// objects read through the mount (stat, md5sum, cat, cp) equal S3's: the
// md5 of what was stored and the object's single-part ETag.
func TestContentMatchesS3(t *testing.T) {
	srv := requireMountable(t)
	bigBucket, bigKey, bigData := seedBig(t, srv)
	bucket := srv.NewBucket(t)
	objs := map[string][]byte{
		"empty":          {},
		"one-byte":       {'x'},
		"small.txt":      []byte("hello, objfs\nsecond line\n"),
		"dir/odd.bin":    randomBytes(1, 300_001),
		"dir/4k.bin":     randomBytes(2, 4096),
		"dir/1m-plus.bn": randomBytes(3, 1<<20+1),
	}
	putMany(t, srv.SDK(), bucket, objs, 4)
	m := mount(t, "s3://")

	for key, data := range objs {
		checkFile(t, m.Path(bucket, key), data, headETag(t, srv.SDK(), bucket, key))
	}
	if got := mustRun(t, "cat", m.Path(bucket, "small.txt")); got != string(objs["small.txt"]) {
		t.Errorf("cat small.txt = %q", got)
	}
	bigPath := m.Path(bigBucket, bigKey)
	checkFile(t, bigPath, bigData, headETag(t, srv.SDK(), bigBucket, bigKey))

	cp := filepath.Join(t.TempDir(), "big-copy")
	mustRun(t, "cp", bigPath, cp)
	got, err := os.ReadFile(cp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bigData) {
		t.Fatalf("cp of the 100 MiB object differs from S3 (%d bytes, first difference at %d)", len(got), firstDiff(got, bigData))
	}
}

// checkFile compares size (stat) and md5 (md5sum) of path with data and
// with the object's ETag (md5 of a single-part upload).
func checkFile(t *testing.T, path string, data []byte, etag string) {
	t.Helper()
	size := strings.TrimSpace(mustRun(t, "stat", "-c", "%s", path))
	if size != strconv.Itoa(len(data)) {
		t.Errorf("stat %s: size %s, want %d", path, size, len(data))
	}
	sum := md5sumOf(t, path)
	if want := md5hex(data); sum != want {
		t.Errorf("md5sum %s = %s, want %s", path, sum, want)
	}
	if sum != etag {
		t.Errorf("md5sum %s = %s, S3 ETag %s", path, sum, etag)
	}
}

// readCase is one pread through the mount.
type readCase struct{ off, n int64 }

// readCases returns edge cases (start, end, boundaries of common block
// sizes) and count seeded random offsets and lengths in an object of size.
func readCases(size int64, count int) []readCase {
	cases := []readCase{
		{0, 1}, {0, 4096}, {1, 4095}, {size - 1, 1}, {size - 4096, 4096},
		{size - 100, 100}, {1<<20 - 1, 2}, {8<<20 - 7, 14}, {16<<20 - 4096, 8192},
		{size / 2, 3 << 20}, {size - 10, 100}, // the last one runs past the end
	}
	r := rand.New(rand.NewPCG(7, 11))
	for range count {
		off := r.Int64N(size)
		cases = append(cases, readCase{off, 1 + r.Int64N(1<<20)})
	}
	return cases
}

// TestRandomReads: preads at random offsets through the mount return the
// same bytes as ranged GETs of the same object with the SDK.
func TestRandomReads(t *testing.T) {
	srv := requireMountable(t)
	bucket, key, data := seedBig(t, srv)
	m := mount(t, "s3://"+bucket)
	f, err := os.Open(m.Path(key))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size := int64(len(data))
	for _, c := range readCases(size, 60) {
		want := getRange(t, srv.SDK(), bucket, key, c.off, c.n) // S3 clips at the end
		if !bytes.Equal(want, data[c.off:min(c.off+c.n, size)]) {
			t.Fatalf("SDK range %d+%d does not match the stored data", c.off, c.n)
		}
		buf := make([]byte, c.n)
		n, err := f.ReadAt(buf, c.off)
		if err != nil && !(errors.Is(err, io.EOF) && c.off+c.n > size) {
			t.Fatalf("pread %d+%d: %v", c.off, c.n, err)
		}
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("pread %d+%d: %d bytes differ from the SDK's %d (first difference at +%d)",
				c.off, c.n, n, len(want), firstDiff(buf[:n], want))
		}
	}
}

// firstDiff returns the first index where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
