//go:build linux

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// asOfGap separates the writes of a history from the instants a test
// mounts as of, by more than S3's one-second LastModified resolution.
const asOfGap = 1100 * time.Millisecond

// asOfKeys is how many keys the paging part of the history has: with a
// second version each, their versions fill more than one
// ListObjectVersions page (1000 entries).
const asOfKeys = 1000

// mutatingOps are the S3 operations a read-only view must never send.
var mutatingOps = []string{"PutObject", "CopyObject", "DeleteObject", "CreateMultipartUpload", "UploadPart",
	"UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload", "CreateBucket", "DeleteBucket"}

// instant waits asOfGap, returns the time, and waits asOfGap again, so
// that every write before it is older and every write after it newer.
func instant() time.Time {
	time.Sleep(asOfGap)
	t := time.Now()
	time.Sleep(asOfGap)
	return t
}

func deleteObject(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

func manyKeys(seed byte) map[string][]byte {
	objs := make(map[string][]byte, asOfKeys)
	for i := range asOfKeys {
		objs[fmt.Sprintf("many/%04d", i)] = []byte(fmt.Sprintf("v%d of %d\n", seed, i))
	}
	return objs
}

// TestAsOfHistory: on a versioned bucket, k is written (v1), overwritten
// (v2), deleted and written again (v3), with instants between; mounts as
// of each instant show exactly v1, v2, nothing, v3 (md5, size, listings,
// nested directories, and 1000 keys whose versions span pages). Every
// change gives EROFS, and the daemons send no mutating request, and no
// ListObjectsV2 but the preflight's: their listings are ListObjectVersions.
func TestAsOfHistory(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	const k = "data/nested/deep/k.bin"
	v := [][]byte{randomBytes(1, 3<<20+17), randomBytes(2, 1<<20), nil, randomBytes(3, 777)}

	putObject(t, sdk, bucket, k, v[0])
	putObject(t, sdk, bucket, "data/top.txt", []byte("top\n"))
	putMany(t, sdk, bucket, manyKeys(1), 16)
	var at [4]time.Time
	at[0] = instant()
	putObject(t, sdk, bucket, k, v[1])
	putMany(t, sdk, bucket, manyKeys(2), 16)
	at[1] = instant()
	deleteObject(t, sdk, bucket, k)
	at[2] = instant()
	putObject(t, sdk, bucket, k, v[3])
	at[3] = instant()
	putObject(t, sdk, bucket, k, []byte("after every instant"))

	for i := range at {
		t.Run(fmt.Sprint("t", i), func(t *testing.T) {
			m := mount(t, "s3://"+bucket, "--as-of", at[i].UTC().Format(time.RFC3339Nano))
			wantData := []string{"nested", "top.txt"}
			if i == 2 {
				wantData = []string{"top.txt"}
			}
			if got := readDirNames(t, m.Path("data")); !slices.Equal(got, wantData) {
				t.Errorf("data/: %q, want %q", got, wantData)
			}
			st, err := os.Stat(m.Path(k))
			if i == 2 {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("stat of the deleted key: %v, want ENOENT", err)
				}
				if _, err := os.Stat(m.Path("data/nested")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("stat of a directory whose keys were deleted: %v, want ENOENT", err)
				}
			} else {
				if err != nil {
					t.Fatalf("stat %s: %v", k, err)
				}
				if st.Size() != int64(len(v[i])) {
					t.Errorf("size %d, want %d", st.Size(), len(v[i]))
				}
				if sum := md5sumOf(t, m.Path(k)); sum != md5hex(v[i]) {
					t.Errorf("md5 %s, want v%d's %s", sum, i+1, md5hex(v[i]))
				}
				if got := readDirNames(t, m.Path("data/nested")); !slices.Equal(got, []string{"deep"}) {
					t.Errorf("data/nested/: %q", got)
				}
			}
			names := readDirNames(t, m.Path("many"))
			if len(names) != asOfKeys || names[0] != "0000" || names[asOfKeys-1] != fmt.Sprintf("%04d", asOfKeys-1) {
				t.Fatalf("many/: %d names, want %d", len(names), asOfKeys)
			}
			seed := 2
			if i == 0 {
				seed = 1
			}
			for _, n := range []int{0, 517, asOfKeys - 1} {
				got := readFile(t, m.Path(fmt.Sprintf("many/%04d", n)))
				if want := fmt.Sprintf("v%d of %d\n", seed, n); string(got) != want {
					t.Errorf("many/%04d: %q, want %q", n, got, want)
				}
			}
			checkAsOfRefusesChanges(t, m, k, i != 2)
			if st := statusOf(t, m.Dir); st.AsOf == nil || !st.AsOf.Equal(at[i]) {
				t.Errorf("objfs status --json: as_of %v, want %v", st.AsOf, at[i])
			}
		})
	}
}

// checkAsOfRefusesChanges: changes give EROFS and the daemon sent no
// mutating request (objfs status --json), and no ListObjectsV2 but the
// preflight's.
func checkAsOfRefusesChanges(t *testing.T, m *Mount, key string, exists bool) {
	t.Helper()
	tries := [][]string{
		{"touch", m.Path("new.txt")},
		{"mkdir", m.Path("data/newdir")},
		{"sh", "-c", `echo x > "$1"`, "sh", m.Path("data/top.txt")},
		{"cp", "/etc/hostname", m.Path("data/copied")},
	}
	if exists {
		tries = append(tries, []string{"rm", "-f", m.Path(key)}, []string{"mv", m.Path(key), m.Path("data/moved")})
	}
	for _, argv := range tries {
		r := runTool(argv[0], argv[1:]...)
		if r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%q: err %v, stderr %q; want \"Read-only file system\"", argv, r.Err, r.Stderr)
		}
	}
	f, err := os.OpenFile(m.Path("data/top.txt"), os.O_WRONLY, 0)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("open for writing: %v, want EROFS", err)
	}
	closeIf(f)
	st := statusOf(t, m.Dir)
	for _, op := range mutatingOps {
		if n := sumStatuses(st.Requests[op]); n != 0 {
			t.Errorf("the as-of mount sent %d %s", n, op)
		}
	}
	// One ListObjectsV2 is the preflight's (the bucket is there and
	// readable); every listing of the tree is a ListObjectVersions.
	if n := sumStatuses(st.Requests["ListObjectsV2"]); n > 1 {
		t.Errorf("the as-of mount sent %d ListObjectsV2, want only the preflight's: listings from ListObjectVersions", n)
	}
	if sumStatuses(st.Requests["ListObjectVersions"]) == 0 || sumStatuses(st.Requests["GetObject"]) == 0 {
		t.Errorf("requests %v: want ListObjectVersions and GetObject", st.Requests)
	}
}

func sumStatuses(byStatus map[string]int64) int64 {
	var n int64
	for _, c := range byStatus {
		n += c
	}
	return n
}

// TestAsOfKeepsServingWhileOverwritten: a file open in an as-of mount
// reads its version whole while another client overwrites the key, and a
// new open still reads that version.
func TestAsOfKeepsServingWhileOverwritten(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	v1 := randomBytes(11, 24<<20+5)
	putObject(t, sdk, bucket, "f.bin", v1)
	at := instant()
	putObject(t, sdk, bucket, "f.bin", randomBytes(12, 1<<20))
	m := mount(t, "s3://"+bucket, "--as-of", at.UTC().Format(time.RFC3339Nano), "--readahead-max", "0")
	f, err := os.Open(m.Path("f.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // overwritten again and again while being read
		putObject(t, sdk, bucket, "f.bin", randomBytes(uint64(20+i), 2<<20))
	}
	deleteObject(t, sdk, bucket, "f.bin")
	rest, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(head, rest...); !bytes.Equal(got, v1) {
		t.Fatalf("read %d bytes (md5 %s) through the overwrites, want v1's %d (md5 %s)", len(got), md5hex(got), len(v1), md5hex(v1))
	}
	if sum := md5sumOf(t, m.Path("f.bin")); sum != md5hex(v1) {
		t.Fatalf("a new read: md5 %s, want v1's", sum)
	}
}

// TestAsOfSuspendedBucket: a bucket whose versioning is suspended works
// for the versions it has: the one written while enabled, and the "null"
// one written while suspended.
func TestAsOfSuspendedBucket(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	putObject(t, sdk, bucket, "k", []byte("enabled\n"))
	t0 := instant()
	srv.SetVersioning(t, bucket, "Suspended")
	putObject(t, sdk, bucket, "k", []byte("suspended\n"))
	t1 := instant()
	for at, want := range map[time.Time]string{t0: "enabled\n", t1: "suspended\n"} {
		m := mount(t, "s3://"+bucket, "--as-of", at.UTC().Format(time.RFC3339Nano))
		if got := string(readFile(t, m.Path("k"))); got != want {
			t.Errorf("as of %v: %q, want %q", at, got, want)
		}
	}
}

// TestAsOfUnversionedBucket: --as-of on a bucket that was never versioned
// fails at mount, non-zero, with one line saying so.
func TestAsOfUnversionedBucket(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "k", []byte("x"))
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	res := runFailingMount(t, serverEndpoint(srv), "s3://"+bucket, dir, "--as-of", "1h")
	checkRefusal(t, res, []string{"not versioned"}, srv.SecretKey)
}

// TestAsOfConnector: a connector with as_of: serves its paths as they
// were then, beside a live connector of the same bucket; its changes give
// EROFS and send nothing that could change the bucket.
func TestAsOfConnector(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	putObject(t, sdk, bucket, "data/k", []byte("v1\n"))
	putObject(t, sdk, bucket, "other/x", []byte("x\n"))
	at := instant()
	putObject(t, sdk, bucket, "data/k", []byte("v2\n"))
	proxy := startChangeCounter(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	yaml := connectorsYAML(
		connectorYAML{Label: "then", Endpoint: proxy.URL, Access: "read", Paths: []string{bucket + "/data/*"},
			Creds: "    credentials: default\n    as_of: " + at.UTC().Format(time.RFC3339Nano) + "\n"},
		connectorYAML{Label: "live", Endpoint: proxy.URL, Access: "read", Paths: []string{bucket + "/*"},
			Creds: "    credentials: default\n"},
	)
	m := mountConnectors(t, ep, yaml, nil)
	if got := string(readFile(t, m.Path("then", bucket, "data", "k"))); got != "v1\n" {
		t.Errorf("then/: %q, want v1", got)
	}
	if got := string(readFile(t, m.Path("live", bucket, "data", "k"))); got != "v2\n" {
		t.Errorf("live/: %q, want v2", got)
	}
	if got := readDirNames(t, m.Path("then", bucket)); !slices.Equal(got, []string{"data"}) {
		t.Errorf("then/%s: %q, want only data", bucket, got)
	}
	if _, err := os.Stat(m.Path("then", bucket, "other", "x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a path outside the connector's patterns: %v, want ENOENT", err)
	}
	for _, argv := range [][]string{{"touch", m.Path("then", bucket, "data", "new")}, {"rm", "-f", m.Path("then", bucket, "data", "k")}} {
		if r := runTool(argv[0], argv[1:]...); r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%q: err %v, stderr %q; want \"Read-only file system\"", argv, r.Err, r.Stderr)
		}
	}
	if changes := proxy.Take(); len(changes) != 0 {
		t.Errorf("requests that could change the bucket: %q", changes)
	}
}

// TestAsOfListingRequests measures the requests of `ls` of a 10,000-key
// prefix through a normal mount and an as-of mount of a versioned MinIO
// bucket (objfs status --json): with one version a key, the as-of listing
// takes as many ListObjectVersions pages as the normal one takes
// ListObjectsV2 pages.
func TestAsOfListingRequests(t *testing.T) {
	const n = 10000
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	objs := make(map[string][]byte, n)
	for i := range n {
		objs[fmt.Sprintf("big/%05d", i)] = []byte("x")
	}
	putMany(t, sdk, bucket, objs, 32)
	at := instant()
	lookups := map[*Mount]map[string]int64{}
	count := func(m *Mount) map[string]int64 {
		start := statusOf(t, m.Dir).Requests
		if _, err := os.Stat(m.Path("big")); err != nil { // the lookup, counted apart
			t.Fatal(err)
		}
		before := statusOf(t, m.Dir).Requests
		lookups[m] = diffRequests(start, before)
		if got := len(readDirNames(t, m.Path("big"))); got != n {
			t.Fatalf("big/: %d names, want %d", got, n)
		}
		return diffRequests(before, statusOf(t, m.Dir).Requests)
	}
	// TTLs longer than the test: on a loaded machine a 10,000-key readdir
	// under -race outlasted the 5 s --stat-ttl, and the kernel's
	// revalidation of big/ (a probe: 2 HEADs and a LIST) was counted in.
	ttls := []string{"--stat-ttl", "10m", "--list-ttl", "10m"}
	mn := mount(t, "s3://"+bucket, ttls...)
	normal := count(mn)
	ma := mount(t, "s3://"+bucket, append([]string{"--as-of", at.UTC().Format(time.RFC3339Nano)}, ttls...)...)
	asOf := count(ma)
	t.Logf("lookup of the directory: normal mount %v; --as-of mount %v", lookups[mn], lookups[ma])
	t.Logf("readdir of its %d keys: normal mount %v; --as-of mount %v", n, normal, asOf)
	if normal["ListObjectsV2"] < 10 || asOf["ListObjectVersions"] != normal["ListObjectsV2"] || len(asOf) != 1 {
		t.Errorf("normal %v, as-of %v: want as many ListObjectVersions as ListObjectsV2 (at least 10), and nothing else", normal, asOf)
	}
}

// diffRequests is after minus before, by operation, all statuses summed.
func diffRequests(before, after map[string]map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for op, by := range after {
		if d := sumStatuses(by) - sumStatuses(before[op]); d != 0 {
			out[op] = d
		}
	}
	return out
}
