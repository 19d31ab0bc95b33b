//go:build linux

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// getfattrDump runs `getfattr -d -m - FILE` and returns its attributes by
// name (values as getfattr prints them, unquoted).
func getfattrDump(t *testing.T, path string) map[string]string {
	t.Helper()
	out := mustRun(t, "getfattr", "-d", "-m", "-", "--absolute-names", path)
	got := map[string]string{}
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "# file: ") {
			continue
		}
		name, quoted, ok := strings.Cut(l, "=")
		if !ok {
			got[l] = "" // an empty value prints as the name alone
			continue
		}
		v, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("getfattr line %q: %v", l, err)
		}
		got[name] = v
	}
	return got
}

// headXattrs is what objfs must show for key, from the SDK's HeadObject.
func headXattrs(t *testing.T, sdk *s3.Client, bucket, key string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := sdk.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	want := map[string]string{
		"user.s3.etag":          strings.Trim(aws.ToString(h.ETag), `"`),
		"user.s3.last_modified": aws.ToTime(h.LastModified).UTC().Format(time.RFC3339),
		"user.s3.storage_class": string(h.StorageClass),
	}
	if want["user.s3.storage_class"] == "" {
		want["user.s3.storage_class"] = "STANDARD"
	}
	if v := aws.ToString(h.VersionId); v != "" {
		want["user.s3.version_id"] = v
	}
	for k, v := range h.Metadata {
		want["user.s3.meta."+strings.ToLower(k)] = v
	}
	return want
}

// sameAttrs fails t unless got and want hold the same names and values.
func sameAttrs(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: getfattr shows %v\nHeadObject says %v", what, got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Fatalf("%s: %s = %q, HeadObject says %q (all: %v)", what, k, g, v, got)
		}
	}
}

// TestXattrGetfattr: `getfattr -d` on files of a versioned bucket shows
// exactly what HeadObject says (ETag, LastModified, storage class, version
// id, user metadata set by the SDK or by objfs); an unversioned bucket has
// no version_id; directories and links have none; `getfattr -n` reads one
// and a missing one is ENODATA.
func TestXattrGetfattr(t *testing.T) {
	t.Parallel()
	requireTool(t, "getfattr")
	srv := requireMountable(t)
	sdk := srv.SDK()
	ctx := context.Background()
	bucket := srv.NewBucket(t)
	if _, err := sdk.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("enable versioning: %v", err)
	}
	putSDK := func(bucket, key, body string, meta map[string]string) {
		t.Helper()
		if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader(body), Metadata: meta}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	putSDK(bucket, "data/f.txt", "version one", map[string]string{"color": "red"})
	putSDK(bucket, "data/f.txt", "version two", map[string]string{"color": "blue", "Project-Name": "objfs tests"})
	m := mount(t, "s3://"+bucket)

	want := headXattrs(t, sdk, bucket, "data/f.txt")
	if want["user.s3.version_id"] == "" || want["user.s3.version_id"] == "null" {
		t.Fatalf("the bucket is not versioned: HeadObject gave version %q", want["user.s3.version_id"])
	}
	sameAttrs(t, "data/f.txt", getfattrDump(t, m.Path("data", "f.txt")), want)
	if v := mustRun(t, "getfattr", "--only-values", "-n", "user.s3.version_id", m.Path("data", "f.txt")); v != want["user.s3.version_id"] {
		t.Fatalf("getfattr -n user.s3.version_id: %q, want %q", v, want["user.s3.version_id"])
	}
	if r := runTool("getfattr", "-n", "user.s3.meta.nosuch", m.Path("data", "f.txt")); r.Err == nil || !strings.Contains(r.Stderr, "No such attribute") {
		t.Fatalf("missing attribute: %v, %q", r.Err, r.Stderr)
	}

	// A file written through the mount: objfs's own metadata is what S3 holds.
	local := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(local, bytes.Repeat([]byte("w"), 3<<20), 0o640); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "cp", local, m.Path("data", "w.bin"))
	want = headXattrs(t, sdk, bucket, "data/w.bin")
	for _, k := range []string{"user.s3.meta.mtime", "user.s3.meta.mode", "user.s3.meta.uid", "user.s3.meta.gid"} {
		if want[k] == "" {
			t.Fatalf("objfs stored no %s: %v", k, want)
		}
	}
	sameAttrs(t, "data/w.bin", getfattrDump(t, m.Path("data", "w.bin")), want)

	// Directories and links show none.
	if err := os.Symlink("f.txt", m.Path("data", "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{m.Path("data"), m.Path("data", "link")} {
		if out := mustRun(t, "getfattr", "-h", "-d", "-m", "-", p); strings.TrimSpace(out) != "" {
			t.Fatalf("getfattr -d %s: %q, want nothing", p, out)
		}
	}

	// An unversioned bucket: no version_id.
	plain := srv.NewBucket(t)
	putSDK(plain, "g", "plain", nil)
	pm := mount(t, "s3://"+plain)
	want = headXattrs(t, sdk, plain, "g")
	if _, ok := want["user.s3.version_id"]; ok {
		t.Fatalf("HeadObject of an unversioned bucket gave a version: %v", want)
	}
	sameAttrs(t, "g", getfattrDump(t, pm.Path("g")), want)
}

// TestXattrLsNoHead: `ls -l` (coreutils before 9.5) of a directory of
// files on a fresh mount asks getxattr for security.selinux and the POSIX
// ACLs of every entry: those answer ENODATA without any HEAD (the listing
// is the only request); newer ls reads each file's list of names into a
// buffer (listxattr), which sends nothing either.
func TestXattrLsNoHead(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const n = 40
	for i := range n {
		putObject(t, srv.SDK(), bucket, fmt.Sprintf("d/f%03d", i), []byte("x"))
	}
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	if _, err := os.Stat(m.Path("d")); err != nil { // its lookup probes d and d.rclonelink
		t.Fatal(err)
	}
	proxy.Reset()
	out := mustRun(t, "ls", "-l", m.Path("d"))
	if got := len(lines(out)); got != n+1 { // "total 0" and one line per file
		t.Fatalf("ls -l: %d lines, want %d:\n%s", got, n+1, out)
	}
	for i := range n {
		p := m.Path("d", fmt.Sprintf("f%03d", i))
		for _, name := range []string{"security.selinux", "system.posix_acl_access", "security.capability"} {
			if _, err := syscall.Getxattr(p, name, make([]byte, 256)); !errors.Is(err, syscall.ENODATA) {
				t.Fatalf("getxattr %s %s: %v, want ENODATA", p, name, err)
			}
		}
	}
	for i := range n {
		p := m.Path("d", fmt.Sprintf("f%03d", i))
		buf := make([]byte, 1024)
		k, err := syscall.Listxattr(p, buf)
		if err != nil || string(buf[:k]) != "user.s3.etag\x00user.s3.last_modified\x00user.s3.storage_class\x00" {
			t.Fatalf("listxattr %s into a buffer: %q, %v", p, buf[:max(k, 0)], err)
		}
	}
	if c := proxy.Counts(); c[reqHeadObject] != 0 {
		t.Fatalf("ls -l, listxattr and the security/ACL getxattrs of %d files sent %d HEADs (%v): %v", n, c[reqHeadObject], c, proxy.Seen())
	}
	// The attributes themselves: one HEAD per file, however many names
	// getfattr reads (within --stat-ttl).
	proxy.Reset()
	mustRun(t, "getfattr", "-d", "-m", "-", m.Path("d", "f000"))
	if c := proxy.Counts(); c[reqHeadObject] > 1 {
		t.Fatalf("getfattr -d of one file sent %d HEADs: %v", c[reqHeadObject], proxy.Seen())
	}
}

// TestXattrCopyTools: `cp -a` out of the mount copies the user.s3.*
// attributes onto the local copy; `cp -a`, `rsync -aX` and `tar --xattrs`
// of such a copy back into the mount succeed without a word (setxattr and
// removexattr of user.s3.* are accepted and change nothing), and the
// files hold what was copied.
func TestXattrCopyTools(t *testing.T) {
	t.Parallel()
	requireTool(t, "getfattr")
	requireTool(t, "rsync")
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "src/a.txt", []byte("alpha"))
	putObject(t, srv.SDK(), bucket, "src/b.txt", []byte("beta"))
	m := mount(t, "s3://"+bucket)
	work := t.TempDir()
	out := filepath.Join(work, "out")

	r := runTool("cp", "-a", m.Path("src"), out)
	if r.Err != nil || r.Stderr != "" {
		t.Fatalf("cp -a out of the mount: %v, %q", r.Err, r.Stderr)
	}
	if v := mustRun(t, "getfattr", "--only-values", "-n", "user.s3.etag", filepath.Join(out, "a.txt")); v != headXattrs(t, srv.SDK(), bucket, "src/a.txt")["user.s3.etag"] {
		t.Fatalf("the local copy's user.s3.etag: %q", v)
	}

	steps := []struct {
		name string
		args []string
	}{
		{"cp", []string{"-a", out, m.Path("cp")}},
		{"rsync", []string{"-aX", out + "/", m.Path("rsync") + "/"}},
		{"rsync", []string{"-aX", out + "/", m.Path("rsync") + "/"}}, // again, over files that show other values
		{"tar", []string{"--xattrs", "--xattrs-include=*", "-cf", filepath.Join(work, "x.tar"), "-C", out, "."}},
		{"mkdir", []string{m.Path("tar")}},
		{"tar", []string{"--xattrs", "--xattrs-include=*", "-xf", filepath.Join(work, "x.tar"), "-C", m.Path("tar")}},
		{"tar", []string{"--xattrs", "--xattrs-include=*", "-cf", filepath.Join(work, "y.tar"), "-C", m.Path("tar"), "."}},
	}
	for _, s := range steps {
		if r := runTool(s.name, s.args...); r.Err != nil || r.Stderr != "" {
			t.Fatalf("%s %s: %v\nstderr: %s", s.name, strings.Join(s.args, " "), r.Err, r.Stderr)
		}
	}
	for _, dir := range []string{"cp", "rsync", "tar"} {
		for name, want := range map[string]string{"a.txt": "alpha", "b.txt": "beta"} {
			got, err := os.ReadFile(m.Path(dir, name))
			if err != nil || string(got) != want {
				t.Fatalf("%s/%s: %q, %v", dir, name, got, err)
			}
		}
	}
}

// TestXattrOff: with --no-xattrs a file shows no
// attributes (getfattr -d prints nothing: the list is empty), getxattr gives
// EOPNOTSUPP (the kernel answers it itself after objfs's first ENOSYS),
// setxattr of a user.s3. name EOPNOTSUPP like any other, and cp -a into
// the mount works.
func TestXattrOff(t *testing.T) {
	t.Parallel()
	requireTool(t, "getfattr")
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "f", []byte("x"))
	m := mount(t, "s3://"+bucket, "-o", "no_xattrs")
	if out := mustRun(t, "getfattr", "-d", "-m", "-", m.Path("f")); strings.TrimSpace(out) != "" {
		t.Fatalf("getfattr -d with --no-xattrs: %q", out)
	}
	for range 2 { // the first answer is objfs's ENOSYS, the next the kernel's own
		if _, err := syscall.Getxattr(m.Path("f"), "user.s3.etag", make([]byte, 256)); !errors.Is(err, syscall.EOPNOTSUPP) {
			t.Fatalf("getxattr: %v, want EOPNOTSUPP", err)
		}
	}
	if err := syscall.Setxattr(m.Path("f"), "user.s3.etag", []byte("x"), 0); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Fatalf("setxattr: %v, want EOPNOTSUPP", err)
	}
	local := filepath.Join(t.TempDir(), "g")
	if err := os.WriteFile(local, []byte("g"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runTool("cp", "-a", local, m.Path("g")); r.Err != nil || r.Stderr != "" {
		t.Fatalf("cp -a into the mount: %v, %q", r.Err, r.Stderr)
	}
}

// TestXattrConnectors: a connector shows the attributes of what it shows
// (equal to HeadObject) and nothing of what it hides (ENOENT, as for
// every other call); setxattr of a user.s3. name gives EROFS under a read
// connector and is accepted under a read-write one, and neither sends a
// change.
func TestXattrConnectors(t *testing.T) {
	requireTool(t, "getfattr")
	f := newConnectorsFixture(t)
	sameAttrs(t, "one/team.jpg", getfattrDump(t, f.p("one", "team.jpg")), headXattrs(t, f.srv.SDK(), f.bucket, "team.jpg"))
	for _, p := range []string{f.p("out", "team.jpg"), f.p("one", "data", "a.csv")} {
		if _, err := syscall.Getxattr(p, "user.s3.etag", make([]byte, 256)); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("getxattr of hidden %s: %v, want ENOENT", p, err)
		}
		if r := runTool("getfattr", "-d", "-m", "-", p); r.Err == nil || strings.Contains(r.Stdout, "user.s3") {
			t.Errorf("getfattr -d of hidden %s: %v, %q", p, r.Err, r.Stdout)
		}
	}
	if err := syscall.Setxattr(f.p("raw", "team.jpg"), "user.s3.etag", []byte("x"), 0); !errors.Is(err, syscall.EROFS) {
		t.Errorf("setxattr under a read connector: %v, want EROFS", err)
	}
	if err := syscall.Setxattr(f.p("out", "out", "existing.txt"), "user.s3.etag", []byte("x"), 0); err != nil {
		t.Errorf("setxattr of user.s3.etag under a read-write connector: %v, want accepted", err)
	}
	f.unchanged(t, "setxattr")
}
