//go:build linux

package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// putVersion stores body at key and returns the version id S3 gave it.
func putVersion(t *testing.T, c *s3.Client, bucket, key string, body []byte) string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	if aws.ToString(out.VersionId) == "" {
		t.Fatalf("put %s: no version id: is the bucket versioned?", key)
	}
	return aws.ToString(out.VersionId)
}

// deleteVersion removes one version of key for good (DeleteObject with
// VersionId).
func deleteVersion(t *testing.T, c *s3.Client, bucket, key, id string) {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)}); err != nil {
		t.Fatalf("delete version %s of %s: %v", id, key, err)
	}
}

// sdkVersionNames is what the version browser must list for key: the
// SDK's ListObjectVersions, delete markers left out, oldest first, as
// KEYBASE@STAMP-VERSIONID.
func sdkVersionNames(t *testing.T, c *s3.Client, bucket, key string) []string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	base := key[strings.LastIndexByte(key, '/')+1:]
	var names []string
	for _, v := range out.Versions {
		if aws.ToString(v.Key) == key {
			names = append(names, base+"@"+aws.ToTime(v.LastModified).UTC().Format("20060102T150405.000Z")+"-"+aws.ToString(v.VersionId))
		}
	}
	slices.Reverse(names) // S3 sends each key's newest first
	return names
}

// connectorsCheck runs `objfs connectors check FILE` with the endpoint's
// credentials.
func connectorsCheck(t *testing.T, ep endpoint, file string) (string, error) {
	t.Helper()
	cmd := exec.Command(objfsBinary(t), "connectors", "check", file)
	cmd.Env = objfsEnv(t, ep, t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPinnedConnector: a readwrite connector pins data/k to its first
// version and data/g to its only one. After data/k is overwritten the
// mount keeps serving v1 (md5, size); changing a pinned key gives EROFS
// and sends nothing; once data/g's version is deleted through the SDK,
// reading it gives EIO with one log line naming connector, key and
// version, and `objfs connectors check` says so with a non-zero exit.
func TestPinnedConnector(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	v1 := randomBytes(21, 1<<20+5)
	id1 := putVersion(t, sdk, bucket, "data/k", v1)
	idg := putVersion(t, sdk, bucket, "data/g", []byte("g\n"))
	putObject(t, sdk, bucket, "data/free", []byte("free\n"))

	proxy := startChangeCounter(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	yaml := connectorsYAML(connectorYAML{Label: "bundle", Endpoint: proxy.URL, Access: "readwrite",
		Paths: []string{bucket + "/data/k@" + id1, bucket + "/data/g@" + idg, bucket + "/data/free"},
		Creds: "    credentials: default\n"})
	m := mountConnectors(t, ep, yaml, nil)

	if out, err := connectorsCheck(t, ep, connectorsFile(m)); err != nil || strings.Count(out, "ok: connector") != 2 {
		t.Fatalf("connectors check with every version present: %v\n%s", err, out)
	}

	putObject(t, sdk, bucket, "data/k", randomBytes(22, 3000)) // v2, through another client
	k := m.Path("bundle", bucket, "data", "k")
	if sum := md5sumOf(t, k); sum != md5hex(v1) {
		t.Fatalf("pinned data/k after the overwrite: md5 %s, want v1's %s", sum, md5hex(v1))
	}
	if st, err := os.Stat(k); err != nil || st.Size() != int64(len(v1)) {
		t.Fatalf("stat pinned data/k: %v, size %v, want v1's %d", err, st, len(v1))
	}
	proxy.Take()
	for _, argv := range [][]string{{"sh", "-c", "echo x > " + k}, {"rm", "-f", k}, {"truncate", "-s", "0", k}, {"touch", k}} {
		if r := runTool(argv[0], argv[1:]...); r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%q: err %v, stderr %q; want \"Read-only file system\"", argv, r.Err, r.Stderr)
		}
	}
	if changes := proxy.Take(); len(changes) != 0 {
		t.Errorf("requests that could change the bucket for a pinned key: %q", changes)
	}
	// The connector stays readwrite elsewhere.
	if err := os.WriteFile(m.Path("bundle", bucket, "data", "free"), []byte("changed\n"), 0o644); err != nil {
		t.Errorf("write of an unpinned key of a readwrite connector: %v", err)
	}

	deleteVersion(t, sdk, bucket, "data/g", idg)
	_, err := os.ReadFile(m.Path("bundle", bucket, "data", "g"))
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("read of a pinned version that is gone: %v, want EIO", err)
	}
	_, _ = os.ReadFile(m.Path("bundle", bucket, "data", "g")) // a second read logs nothing more
	logb, err := os.ReadFile(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(logb), "\n") {
		if strings.Contains(l, idg) && !strings.Contains(l, "level=DEBUG") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "pinned version "+idg) || !strings.Contains(lines[0], "bundle") || !strings.Contains(lines[0], "data/g") {
		t.Errorf("want one log line naming connector, key and version; got %q", lines)
	}

	out, err := connectorsCheck(t, ep, connectorsFile(m))
	if err == nil || !strings.Contains(out, "pinned version "+idg+" of s3://"+bucket+"/data/g does not exist") {
		t.Fatalf("connectors check after the version was deleted: err %v (want non-zero exit)\n%s", err, out)
	}
	if !strings.Contains(out, "ok: connector \"bundle\": s3://"+bucket+"/data/k version "+id1) {
		t.Errorf("connectors check does not report data/k ok:\n%s", out)
	}
}

// TestVersionBrowser: .versions at the mount root is not listed by ls -a
// but can be entered; it lists every version of a file in the order of
// the SDK's ListObjectVersions (oldest first), each entry reads back its
// own bytes (md5) with its size and time; a deleted file's directory is
// there; writes under it give EROFS and send nothing; copying a version
// out recovers an overwritten file.
func TestVersionBrowser(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	const key = "docs/report.txt"
	vs := [][]byte{randomBytes(31, 70_000), randomBytes(32, 2<<20+3), []byte("third\n")}
	for _, v := range vs {
		putVersion(t, sdk, bucket, key, v)
		time.Sleep(20 * time.Millisecond)
	}
	putObject(t, sdk, bucket, "old/x", []byte("x\n"))
	deleteObject(t, sdk, bucket, "old/x")

	proxy := startChangeCounter(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	m := mountVia(t, ep, "s3://"+bucket)

	if r := runTool("ls", "-a", m.Dir); r.Err != nil || strings.Contains(r.Stdout, ".versions") || !strings.Contains(r.Stdout, "docs") {
		t.Fatalf("ls -a of the root: %v %q; want docs and no .versions", r.Err, r.Stdout)
	}
	want := sdkVersionNames(t, sdk, bucket, key)
	if len(want) != len(vs) {
		t.Fatalf("the SDK lists %d versions, want %d", len(want), len(vs))
	}
	got := readDirNames(t, m.Path(".versions", "docs"))
	if !slices.Equal(got, want) {
		t.Fatalf(".versions/docs: %q\nwant (ListObjectVersions): %q", got, want)
	}
	for i, name := range got {
		p := m.Path(".versions", "docs", name)
		if sum := md5sumOf(t, p); sum != md5hex(vs[i]) {
			t.Errorf("%s: md5 %s, want version %d's %s", name, sum, i+1, md5hex(vs[i]))
		}
		st, err := os.Stat(p)
		if err != nil || st.Size() != int64(len(vs[i])) || st.Mode().Perm()&0o222 != 0 {
			t.Errorf("stat %s: %v %v", name, err, st)
		}
	}
	if got := readDirNames(t, m.Path(".versions", "old")); len(got) != 1 || !strings.HasPrefix(got[0], "x@") {
		t.Errorf(".versions/old (a deleted file's directory): %q", got)
	}

	proxy.Take()
	v1 := m.Path(".versions", "docs", got[0])
	for _, argv := range [][]string{{"touch", m.Path(".versions", "docs", "new")}, {"rm", "-f", v1},
		{"sh", "-c", "echo x >> " + v1}, {"mkdir", m.Path(".versions", "d")}, {"mv", v1, m.Path(".versions", "docs", "renamed")}} {
		if r := runTool(argv[0], argv[1:]...); r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%q: err %v, stderr %q; want \"Read-only file system\"", argv, r.Err, r.Stderr)
		}
	}
	if changes := proxy.Take(); len(changes) != 0 {
		t.Errorf("requests that could change the bucket from the version browser: %q", changes)
	}

	// Recovering an overwritten file: copy its first version back.
	if r := runTool("cp", v1, m.Path("docs", "report.txt")); r.Err != nil {
		t.Fatalf("cp from the browser: %v %s", r.Err, r.Stderr)
	}
	if sum := md5sumOf(t, m.Path("docs", "report.txt")); sum != md5hex(vs[0]) {
		t.Errorf("recovered file: md5 %s, want v1's %s", sum, md5hex(vs[0]))
	}
	if names := sdkVersionNames(t, sdk, bucket, key); len(names) != 4 {
		t.Errorf("after the recovery the key has %d versions, want 4", len(names))
	}
}

// TestVersionBrowserOptions: -o versions_dir=NAME renames the browser
// (in a prefix mount, at the prefix), --versions-dir= turns it off, a
// real .versions/ key wins over it, and in a connectors mount it is in
// each bucket's directory, showing only what the connector may read.
func TestVersionBrowserOptions(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	putVersion(t, sdk, bucket, "p/a.txt", []byte("a1\n"))
	putVersion(t, sdk, bucket, "p/a.txt", []byte("a2\n"))
	putVersion(t, sdk, bucket, "secret/s.txt", []byte("s\n"))

	m := mount(t, "s3://"+bucket+"/p/", "-o", "versions_dir=@v")
	if got := readDirNames(t, m.Path("@v")); !slices.Equal(got, sdkVersionNames(t, sdk, bucket, "p/a.txt")) {
		t.Errorf("@v of s3://%s/p/: %q", bucket, got)
	}
	if _, err := os.Stat(m.Path(".versions")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".versions with -o versions_dir=@v: %v, want ENOENT", err)
	}

	off := mount(t, "s3://"+bucket, "--versions-dir=")
	if _, err := os.Stat(off.Path(".versions")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".versions with --versions-dir=: %v, want ENOENT", err)
	}

	ep := serverEndpoint(srv)
	yaml := connectorsYAML(connectorYAML{Label: "c", Endpoint: srv.Endpoint, Access: "read",
		Paths: []string{bucket + "/p/*"}, Creds: "    credentials: default\n"})
	cm := mountConnectors(t, ep, yaml, nil)
	if got := readDirNames(t, cm.Path("c", bucket, ".versions")); !slices.Equal(got, []string{"p"}) {
		t.Errorf("a connector's .versions: %q, want only p (secret/ is outside its paths)", got)
	}
	if got := readDirNames(t, cm.Path("c", bucket, ".versions", "p")); len(got) != 2 {
		t.Errorf("a connector's .versions/p: %q, want 2 versions", got)
	}

	putObject(t, sdk, bucket, ".versions/mine.txt", []byte("mine\n"))
	real := mount(t, "s3://"+bucket)
	if got := readDirNames(t, real.Path(".versions")); !slices.Equal(got, []string{"mine.txt"}) {
		t.Errorf("a real .versions/: %q, want the real key", got)
	}
	if got := readDirNames(t, real.Dir); !slices.Contains(got, ".versions") {
		t.Errorf("root with a real .versions/: %q, want it listed", got)
	}
}

// TestVersionBrowserAsOf: on an --as-of mount the browser lists the
// versions up to that time only, and they read back their bytes.
func TestVersionBrowserAsOf(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	putVersion(t, sdk, bucket, "k", []byte("one\n"))
	putVersion(t, sdk, bucket, "k", []byte("two\n"))
	at := instant()
	putVersion(t, sdk, bucket, "k", []byte("three\n"))

	all := sdkVersionNames(t, sdk, bucket, "k")
	m := mount(t, "s3://"+bucket, "--as-of", at.UTC().Format(time.RFC3339Nano))
	got := readDirNames(t, m.Path(".versions"))
	if !slices.Equal(got, all[:2]) {
		t.Fatalf(".versions as of %v: %q, want the first two of %q", at, got, all)
	}
	for i, want := range []string{"one\n", "two\n"} {
		if b := string(readFile(t, m.Path(".versions", got[i]))); b != want {
			t.Errorf("%s: %q, want %q", got[i], b, want)
		}
	}
}
