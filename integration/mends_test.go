//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// daemonMount runs `objfs mount ARGS SOURCE DIR` in daemon mode (the
// default) and returns what it printed; the caller unmounts with
// daemonUmount when it succeeded.
func daemonMount(t *testing.T, ep endpoint, parent, source, dir string, args ...string) ranCmd {
	t.Helper()
	argv := append([]string{"mount", "--endpoint", ep.URL, "--region", "us-east-1", "--path-style"}, args...)
	return runCmd(t, objfsCmd(t, ep, parent, append(argv, source, dir)...), mountTimeout)
}

func daemonUmount(t *testing.T, ep endpoint, parent, dir string) {
	t.Helper()
	if um := runCmd(t, objfsCmd(t, ep, parent, "umount", dir), time.Minute); um.code != 0 {
		t.Fatalf("objfs umount exited %d: %s", um.code, um.stderr)
	}
}

// TestMountSafety: mounting over a directory holding a (hidden) file
// exits non-zero with one line and mounts nothing, unless
// --allow-non-empty (or -o nonempty); a prefix holding nothing mounts
// with one warning line on the terminal, also for a daemon.
func TestMountSafety(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "data/a.txt", []byte("a\n"))
	ep := serverEndpoint(srv)

	t.Run("non-empty mountpoint", func(t *testing.T) {
		parent, dir := newMountDir(t)
		logPath := filepath.Join(parent, "daemon.log")
		cleanupDaemons(t, dir, logPath, ep.SecretKey)
		if err := os.WriteFile(filepath.Join(dir, ".keep"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		res := daemonMount(t, ep, parent, "s3://"+bucket, dir, "--log-file", logPath)
		lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
		if res.code == 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "objfs: mountpoint "+dir+" is not empty") {
			t.Fatalf("exit %d, stderr %q; want non-zero and one line naming the problem", res.code, res.stderr)
		}
		if mountedAt(dir) {
			t.Fatal("mounted over a non-empty directory")
		}
		for _, opt := range [][]string{{"--allow-non-empty"}, {"-o", "nonempty"}} {
			res = daemonMount(t, ep, parent, "s3://"+bucket, dir, append(opt, "--log-file", logPath)...)
			if res.code != 0 || !mountedAt(dir) {
				t.Fatalf("%q: exit %d, stderr %q; want mounted", opt, res.code, res.stderr)
			}
			if names := readDirNames(t, dir); len(names) != 1 || names[0] != "data" {
				t.Errorf("%q: the mount shows %q, want the bucket's data/", opt, names)
			}
			daemonUmount(t, ep, parent, dir)
		}
		if _, err := os.Stat(filepath.Join(dir, ".keep")); err != nil {
			t.Errorf("the hidden file under the mount: %v", err)
		}
	})

	t.Run("empty prefix", func(t *testing.T) {
		parent, dir := newMountDir(t)
		logPath := filepath.Join(parent, "daemon.log")
		cleanupDaemons(t, dir, logPath, ep.SecretKey)
		res := daemonMount(t, ep, parent, "s3://"+bucket+"/nothing/", dir, "--log-file", logPath)
		if res.code != 0 {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		defer daemonUmount(t, ep, parent, dir)
		want := "objfs: warning: s3://" + bucket + "/nothing/ holds no objects"
		if lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
			t.Errorf("stderr %q, want one line %q...", res.stderr, want)
		}
	})
}

// TestPrefixWithObjectsNoWarning: a prefix holding objects mounts
// without a word.
func TestPrefixWithObjectsNoWarning(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "data/a.txt", []byte("a\n"))
	ep := serverEndpoint(srv)
	parent, dir := newMountDir(t)
	logPath := filepath.Join(parent, "daemon.log")
	cleanupDaemons(t, dir, logPath, ep.SecretKey)
	res := daemonMount(t, ep, parent, "s3://"+bucket+"/data/", dir, "--log-file", logPath)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", res.code, res.stderr)
	}
	daemonUmount(t, ep, parent, dir)
}

// TestDaemonLogsWithoutSyslog: a background mount on a machine without
// /dev/log (a container) logs to --cache-dir/objfs.log and says so.
func TestDaemonLogsWithoutSyslog(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/log"); err == nil {
		t.Skip("this machine has syslog (/dev/log)")
	}
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep := serverEndpoint(srv)
	parent, dir := newMountDir(t)
	cacheDir := filepath.Join(parent, "cache")
	logPath := filepath.Join(cacheDir, "objfs.log")
	cleanupDaemons(t, dir, logPath, ep.SecretKey)
	res := daemonMount(t, ep, parent, "s3://"+bucket, dir, "--cache-dir", cacheDir)
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "logging to "+logPath) || strings.Count(res.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line naming %s", res.stderr, logPath)
	}
	daemonUmount(t, ep, parent, dir)
	log, err := os.ReadFile(logPath)
	if err != nil || !strings.Contains(string(log), "mounted s3://"+bucket) || !strings.Contains(string(log), "unmounted by objfs umount") {
		t.Errorf("%s: %v\n%s", logPath, err, log)
	}
}

// TestDuCountsObjectsOnly: directories report size 0 and 0 blocks, so
// du of a tree is the sum of its objects, as aws s3 ls --summarize.
func TestDuCountsObjectsOnly(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	for key, size := range map[string]int{"t/a.bin": 1000, "t/sub/b.bin": 2000, "t/sub/deeper/c.bin": 3} {
		putObject(t, srv.SDK(), bucket, key, randomBytes(uint64(size), size))
	}
	m := mount(t, "s3://"+bucket)
	if got := strings.TrimSpace(mustRun(t, "stat", "-c", "%s %b", m.Path("t", "sub"))); got != "0 0" {
		t.Errorf("stat of a directory: size and blocks %q, want 0 0", got)
	}
	du := strings.Fields(mustRun(t, "du", "-s", "--apparent-size", "--block-size=1", m.Path("t")))
	if len(du) == 0 || du[0] != "3003" {
		t.Errorf("du --apparent-size of the tree: %v, want 3003 (the objects only)", du)
	}
}
