//go:build linux

package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// connectorsFixture is one multi-connector mount through a change-counting
// proxy, over a seeded bucket:
//
//	raw  read       BUCKET/*          inline keys
//	out  readwrite  BUCKET/out/*      keys in credentials_env variables
//	one  read       BUCKET/team.jpg   credentials: default (AWS_* variables)
type connectorsFixture struct {
	srv    *testenv.Server
	bucket string
	other  string // a bucket no connector names
	m      *Mount
	proxy  *changeCounter
	keys   []string // what the bucket holds now, as the test expects it
}

// seededObjects is what the fixture's bucket starts with. The %2E%2E key
// percent-decodes to "..": no connector may show it.
var seededObjects = map[string]string{
	"data/a.csv":            "a,b\n1,2\n",
	"data/b/c.txt":          "c\n",
	"out/existing.txt":      "existing\n",
	"outer/x.txt":           "outer\n",
	"team.jpg":              "jpeg bytes\n",
	"emptydir/":             "",
	"out/%2E%2E/hidden.txt": "hidden\n",
}

// newConnectorsFixture mounts the fixture's connectors, with extra mount
// flags args.
func newConnectorsFixture(t *testing.T, args ...string) *connectorsFixture {
	t.Helper()
	srv := requireMountable(t)
	f := &connectorsFixture{srv: srv, bucket: srv.NewBucket(t), other: srv.NewBucket(t)}
	for k, v := range seededObjects {
		putObject(t, srv.SDK(), f.bucket, k, []byte(v))
	}
	putObject(t, srv.SDK(), f.other, "s.txt", []byte("other\n"))
	f.keys = listKeys(t, srv.SDK(), f.bucket)
	f.proxy = startChangeCounter(t, srv.Endpoint)
	yaml := connectorsYAML(
		connectorYAML{Label: "raw", Endpoint: f.proxy.URL, Access: "read", Paths: []string{f.bucket + "/*"},
			Creds: "    access_key_id: " + srv.AccessKey + "\n    secret_access_key: " + srv.SecretKey + "\n"},
		connectorYAML{Label: "out", Endpoint: f.proxy.URL, Access: "readwrite", Paths: []string{f.bucket + "/out/*"},
			Creds: "    credentials_env: {access_key: IT_OUT_KEY, secret_key: IT_OUT_SECRET}\n"},
		connectorYAML{Label: "one", Endpoint: f.proxy.URL, Access: "read", Paths: []string{f.bucket + "/team.jpg"},
			Creds: "    credentials: default\n"},
	)
	env := []string{"IT_OUT_KEY=" + srv.AccessKey, "IT_OUT_SECRET=" + srv.SecretKey}
	ep := endpoint{URL: f.proxy.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	// One disk cache directory serves every connector (one shared cache).
	f.m = mountConnectors(t, ep, yaml, env, append([]string{"--cache-dir", t.TempDir()}, args...)...)
	f.proxy.Take() // the preflight lists; nothing changes
	return f
}

// p is a path in the mount: LABEL, then names below the bucket.
func (f *connectorsFixture) p(label string, names ...string) string {
	return f.m.Path(append([]string{label, f.bucket}, names...)...)
}

// unchanged fails t if the bucket differs from f.keys or if a request that
// could change a bucket was sent since the last check.
func (f *connectorsFixture) unchanged(t *testing.T, after string) {
	t.Helper()
	if got := listKeys(t, f.srv.SDK(), f.bucket); !slices.Equal(got, f.keys) {
		t.Errorf("after %s: bucket holds %q, want %q", after, got, f.keys)
	}
	if sent := f.proxy.Take(); len(sent) > 0 {
		t.Errorf("after %s: changing requests were sent: %q", after, sent)
	}
}

// refused runs argv, wants it to fail with msg in its stderr, and wants
// nothing changed.
func (f *connectorsFixture) refused(t *testing.T, msg string, argv ...string) {
	t.Helper()
	r := runTool(argv[0], argv[1:]...)
	if r.Err == nil || !strings.Contains(r.Stderr, msg) {
		t.Errorf("%q: err %v, stderr %q; want a failure with %q", argv, r.Err, r.Stderr, msg)
	}
	f.unchanged(t, strings.Join(argv, " "))
}

// TestConnectors drives one multi-connector mount through the kernel with
// ordinary tools and checks S3 with the SDK after every refusal.
func TestConnectors(t *testing.T) {
	f := newConnectorsFixture(t)
	t.Run("listings show exactly the allowed paths", f.testListings)
	t.Run("outside the patterns is ENOENT", f.testInvisible)
	t.Run("mode bits", f.testModes)
	t.Run("read connector gives EROFS", f.testReadOnly)
	t.Run("read-write connector", f.testReadWrite)
	t.Run("across connectors gives EXDEV", f.testAcross)
	t.Run("odd paths and symlinks cannot escape", f.testEscapes)
	t.Run("no secret in ps, the tree or the log", f.testSecrets)
}

func (f *connectorsFixture) testListings(t *testing.T) {
	b := f.bucket
	want := []string{
		"one", "one/" + b, "one/" + b + "/team.jpg",
		"out", "out/" + b, "out/" + b + "/out", "out/" + b + "/out/existing.txt",
		"raw", "raw/" + b, "raw/" + b + "/data", "raw/" + b + "/data/a.csv", "raw/" + b + "/data/b",
		"raw/" + b + "/data/b/c.txt", "raw/" + b + "/emptydir", "raw/" + b + "/out", "raw/" + b + "/out/existing.txt",
		"raw/" + b + "/outer", "raw/" + b + "/outer/x.txt", "raw/" + b + "/team.jpg",
	}
	got := lines(mustRun(t, "find", f.m.Dir, "-mindepth", "1", "-printf", "%P\n"))
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("find lists\n%q\nwant\n%q", got, want)
	}
	if got := mustRun(t, "cat", f.p("one", "team.jpg")); got != seededObjects["team.jpg"] {
		t.Errorf("one/team.jpg reads %q", got)
	}
	if got := mustRun(t, "cat", f.p("out", "out", "existing.txt")); got != seededObjects["out/existing.txt"] {
		t.Errorf("out/out/existing.txt reads %q", got)
	}
	f.unchanged(t, "listing")
}

func (f *connectorsFixture) testInvisible(t *testing.T) {
	for _, p := range []string{
		f.p("out", "data"), f.p("out", "team.jpg"), f.p("out", "outer"), f.p("out", "data", "a.csv"),
		f.p("out", "out", "%2E%2E"), f.p("out", "out", "%2E%2E", "hidden.txt"), f.p("raw", "out", "%2E%2E"),
		f.p("one", "data"), f.p("one", "data", "a.csv"), f.p("one", "out", "existing.txt"),
		f.m.Path("raw", f.other), f.m.Path("out", f.other, "s.txt"), f.m.Path("nolabel"),
	} {
		if _, err := os.Stat(p); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("stat %s: %v, want ENOENT", p, err)
		}
	}
	f.refused(t, "No such file or directory", "cat", f.p("out", "data", "a.csv"))
	f.refused(t, "No such file or directory", "ls", f.p("one", "data"))
}

func (f *connectorsFixture) testModes(t *testing.T) {
	for _, tc := range []struct {
		path string
		want os.FileMode
	}{
		{f.m.Dir, 0o555},
		{f.m.Path("raw"), 0o555}, {f.p("raw"), 0o555}, {f.p("raw", "team.jpg"), 0o444},
		{f.m.Path("out"), 0o555}, {f.p("out"), 0o555}, {f.p("out", "out"), 0o755}, {f.p("out", "out", "existing.txt"), 0o644},
		{f.p("one"), 0o555}, {f.p("one", "team.jpg"), 0o444},
	} {
		st, err := os.Stat(tc.path)
		if err != nil {
			t.Errorf("stat %s: %v", tc.path, err)
			continue
		}
		if got := st.Mode().Perm(); got != tc.want {
			t.Errorf("%s: mode %#o, want %#o", tc.path, got, tc.want)
		}
	}
}

func (f *connectorsFixture) testReadOnly(t *testing.T) {
	const erofs = "Read-only file system"
	team, csv := f.p("raw", "team.jpg"), f.p("raw", "data", "a.csv")
	for _, argv := range [][]string{
		{"cp", "/etc/hostname", f.p("raw", "new.txt")},
		{"cp", "/etc/hostname", team},
		{"sh", "-c", `echo x > "$1"`, "sh", team},
		{"sh", "-c", `echo x >> "$1"`, "sh", csv},
		{"sh", "-c", `echo x > "$1"`, "sh", f.p("raw", "data", "new.txt")},
		{"rm", "-f", team},
		{"rm", "-rf", f.p("raw", "data")},
		{"mkdir", f.p("raw", "newdir")},
		{"mkdir", f.m.Path("raw", "newbucket-it")},
		{"rmdir", f.p("raw", "emptydir")},
		{"rmdir", f.p("raw")},
		{"mv", team, f.p("raw", "moved.jpg")},
		{"mv", f.p("raw", "data"), f.p("raw", "data2")},
		{"touch", team},
		{"touch", f.p("raw", "touched.txt")},
		{"truncate", "-s", "0", team},
		{"truncate", "-s", "100", csv},
		{"chmod", "600", team},
		{"ln", "-s", "team.jpg", f.p("raw", "link")},
		{"sh", "-c", `echo x > "$1"`, "sh", f.p("one", "team.jpg")},
		{"rm", "-f", f.p("one", "team.jpg")},
	} {
		f.refused(t, erofs, argv...)
	}
	calls := map[string]func() error{
		"open O_WRONLY": func() error { fh, err := os.OpenFile(team, os.O_WRONLY, 0); closeIf(fh); return err },
		"open O_RDWR":   func() error { fh, err := os.OpenFile(csv, os.O_RDWR, 0); closeIf(fh); return err },
		"open O_CREAT": func() error {
			fh, err := os.OpenFile(f.p("raw", "c.txt"), os.O_CREATE|os.O_WRONLY, 0o644)
			closeIf(fh)
			return err
		},
		"truncate":          func() error { return os.Truncate(team, 1) },
		"unlink":            func() error { return os.Remove(team) },
		"mkdir":             func() error { return os.Mkdir(f.p("raw", "d"), 0o755) },
		"rename":            func() error { return os.Rename(team, f.p("raw", "r.jpg")) },
		"rmdir":             func() error { return syscall.Rmdir(f.p("raw", "emptydir")) },
		"setxattr":          func() error { return syscall.Setxattr(team, "user.x", []byte("1"), 0) },
		"mkdir at the root": func() error { return os.Mkdir(f.m.Path("newlabel"), 0o755) },
		"rmdir a label":     func() error { return syscall.Rmdir(f.m.Path("raw")) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
		f.unchanged(t, name)
	}
}

func (f *connectorsFixture) testReadWrite(t *testing.T) {
	sdk := f.srv.SDK()
	mustRun(t, "cp", "/etc/hostname", f.p("out", "out", "copied.txt"))
	mustRun(t, "sh", "-c", `echo hello > "$1"`, "sh", f.p("out", "out", "new.txt"))
	mustRun(t, "mkdir", f.p("out", "out", "sub"))
	mustRun(t, "mv", f.p("out", "out", "new.txt"), f.p("out", "out", "sub", "new.txt"))
	hostname, err := os.ReadFile("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"out/copied.txt": string(hostname), "out/sub/new.txt": "hello\n"} {
		if got := getRange(t, sdk, f.bucket, key, 0, int64(len(want))); string(got) != want {
			t.Errorf("S3 %s holds %q, want %q", key, got, want)
		}
	}
	f.keys = listKeys(t, sdk, f.bucket)
	for _, k := range []string{"out/copied.txt", "out/sub/", "out/sub/new.txt"} {
		if !slices.Contains(f.keys, k) {
			t.Errorf("S3 lacks %s: %q", k, f.keys)
		}
	}
	f.proxy.Take()

	const eacces = "Permission denied"
	existing := f.p("out", "out", "existing.txt")
	for _, argv := range [][]string{
		{"touch", f.p("out", "x.txt")},
		{"cp", existing, f.p("out")},
		{"sh", "-c", `echo x > "$1"`, "sh", f.p("out", "y.txt")},
		{"mkdir", f.p("out", "newdir")},
		{"mv", existing, f.p("out", "existing.txt")},
		{"mv", f.p("out", "out", "sub"), f.p("out", "sub")},
		{"rmdir", f.p("out")},
		{"mkdir", f.m.Path("out", "newbucket-it")},
	} {
		f.refused(t, eacces, argv...)
	}
	if err := os.Rename(existing, f.p("out", "moved.txt")); !errors.Is(err, syscall.EACCES) {
		t.Errorf("rename out of the patterns: %v, want EACCES", err)
	}
	f.unchanged(t, "rename out of the patterns")
}

func (f *connectorsFixture) testAcross(t *testing.T) {
	outFile, rawTeam := f.p("out", "out", "copied.txt"), f.p("raw", "team.jpg")
	for _, tc := range []struct{ from, to string }{
		{outFile, f.p("raw", "copied.txt")},
		{outFile, f.p("one", "copied.txt")},
		{rawTeam, f.p("out", "out", "team.jpg")},
		{outFile, f.m.Path("copied.txt")},
	} {
		if err := os.Rename(tc.from, tc.to); !errors.Is(err, syscall.EXDEV) {
			t.Errorf("rename %s -> %s: %v, want EXDEV", tc.from, tc.to, err)
		}
		f.unchanged(t, "rename across connectors")
	}
	// mv falls back to copy and delete: the copy into the read connector
	// is refused, and the source stays.
	f.refused(t, "Read-only file system", "mv", outFile, f.p("raw", "copied.txt"))
	if _, err := os.Stat(outFile); err != nil {
		t.Errorf("source of the failed mv: %v", err)
	}
	// From raw into out, the copy is allowed but removing the source is
	// not: mv fails, the source stays, the copy is left in out.
	r := runTool("mv", rawTeam, f.p("out", "out", "team.jpg"))
	if r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("mv raw -> out: err %v, stderr %q; want a failure to remove the source", r.Err, r.Stderr)
	}
	if got := mustRun(t, "cat", rawTeam); got != seededObjects["team.jpg"] {
		t.Errorf("raw/team.jpg after the failed mv reads %q", got)
	}
	f.keys = append(f.keys, "out/team.jpg")
	slices.Sort(f.keys)
	f.proxy.Take()
	f.unchanged(t, "mv raw -> out")
}

func (f *connectorsFixture) testEscapes(t *testing.T) {
	const enoent = "No such file or directory"
	for _, p := range []string{
		f.p("out", "out") + "/../team.jpg",
		f.p("out", "out") + "/../data/a.csv",
		f.p("out", "out") + "/./../outer/x.txt",
		f.p("out", "out") + "//..//data//a.csv",
		f.p("one") + "/./data/../data/a.csv",
		f.p("out", "out", "%2E%2E", "hidden.txt"),
		f.m.Path("out") + "/../out/" + f.bucket + "/data/a.csv",
	} {
		f.refused(t, enoent, "cat", p)
	}
	if got := mustRun(t, "cat", f.p("out")+"//out/./existing.txt"); got != seededObjects["out/existing.txt"] {
		t.Errorf("odd spelling of an allowed path reads %q", got)
	}
	f.refused(t, "Not a directory", "cat", f.p("one", "team.jpg")+"/")
	f.refused(t, "Not a directory", "cat", f.p("one", "team.jpg")+"/../data/a.csv")

	// A symlink outside the mount is just a path: it reaches what its
	// target reaches, and no more.
	links := t.TempDir()
	for target, want := range map[string]string{
		f.p("out", "data", "a.csv"):          "",
		f.p("out", "out") + "/../team.jpg":   "",
		f.p("one", "team.jpg") + "/../x.txt": "",
		f.p("raw", "data", "a.csv"):          seededObjects["data/a.csv"],
	} {
		link := filepath.Join(links, "link")
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		r := runTool("cat", link)
		if (want == "") != (r.Err != nil) || r.Stdout != want {
			t.Errorf("cat via symlink to %s: %q, %v; want %q", target, r.Stdout, r.Err, want)
		}
	}
	// A symlink in the mount is data like any file: it is created where
	// the connector may write (its object is out/NAME.rclonelink) and
	// nowhere else, and the kernel resolves a path through it, so it
	// reaches what its target's path reaches, and no more.
	mustRun(t, "ln", "-s", "../../../raw/"+f.bucket+"/data/a.csv", f.p("out", "out", "to-raw"))
	mustRun(t, "ln", "-s", "../team.jpg", f.p("out", "out", "to-hidden"))
	mustRun(t, "ln", "-s", "../../../one/"+f.bucket+"/data/a.csv", f.p("out", "out", "to-one"))
	if got := mustRun(t, "cat", f.p("out", "out", "to-raw")); got != seededObjects["data/a.csv"] {
		t.Errorf("cat via a link to raw's data/a.csv: %q", got)
	}
	for _, name := range []string{"to-hidden", "to-one"} {
		if r := runTool("cat", f.p("out", "out", name)); r.Err == nil || !strings.Contains(r.Stderr, enoent) {
			t.Errorf("cat via link %s: %q, %v; want %q", name, r.Stdout, r.Err, enoent)
		}
	}
	if got := mustRun(t, "readlink", f.p("out", "out", "to-hidden")); got != "../team.jpg\n" {
		t.Errorf("readlink: %q", got)
	}
	mustRun(t, "rm", f.p("out", "out", "to-raw"), f.p("out", "out", "to-hidden"), f.p("out", "out", "to-one"))
	f.proxy.Take() // three PUTs and three DELETEs of out/*.rclonelink
	f.unchanged(t, "ln -s and rm in out")
	f.refused(t, "Permission denied", "ln", "-s", "out/existing.txt", f.p("out", "link"))
	f.refused(t, "Read-only file system", "ln", "-s", "data/a.csv", f.p("raw", "link"))
}

func (f *connectorsFixture) testSecrets(t *testing.T) {
	secret := f.srv.SecretKey
	for _, argv := range [][]string{{"ps", "-eo", "pid,args"}, {"ps", "auxww"}} {
		if out := mustRun(t, argv[0], argv[1:]...); strings.Contains(out, secret) {
			t.Errorf("%q shows the secret key", argv)
		}
	}
	if cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(f.m.cmd.Process.Pid), "cmdline")); err != nil || strings.Contains(string(cmdline), secret) {
		t.Errorf("objfs command line %q (%v) shows the secret key or cannot be read", cmdline, err)
	}
	r := runTool("grep", "-r", "-l", "-F", "-e", secret, f.m.Dir)
	if r.Err == nil || r.Stdout != "" {
		t.Errorf("grep -r finds the secret in the tree: %q (%v, %s)", r.Stdout, r.Err, r.Stderr)
	}
	if ee := (*exec.ExitError)(nil); errors.As(r.Err, &ee) && ee.ExitCode() != 1 {
		t.Errorf("grep -r over the tree failed: %v: %s", r.Err, r.Stderr)
	}
	log, err := os.ReadFile(f.m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), secret) {
		t.Error("the mount log contains the secret key")
	}
	if n := strings.Count(string(log), "connector ready"); n != 3 {
		t.Errorf("the mount log has %d \"connector ready\" lines, want 3", n)
	}
}
