//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDaemonMode: `objfs mount` without --foreground returns 0 only once
// the mount answers (ls works the moment it returns), leaves one daemon
// in its own session that serves reads and writes, and `objfs umount`
// returns once it has ended, with nothing left mounted.
func TestDaemonMode(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "hello.txt", []byte("hello\n"))
	ep := serverEndpoint(srv)
	parent, dir := newMountDir(t)
	logPath := filepath.Join(parent, "daemon.log")
	cleanupDaemons(t, dir, logPath, ep.SecretKey)

	cmd := objfsCmd(t, ep, parent, "mount", "--endpoint", ep.URL, "--region", "us-east-1", "--path-style",
		"--log-file", logPath, "s3://"+bucket, dir)
	res := runCmd(t, cmd, mountTimeout)
	if res.code != 0 {
		t.Fatalf("objfs mount exited %d: %s", res.code, res.stderr)
	}
	// No waiting: the mount must answer now.
	if fstype, ok, _ := fuseMountAt(dir); !ok || fstype != "fuse.objfs" {
		t.Fatalf("objfs mount returned 0 but %s is not a fuse.objfs mount (%q)", dir, fstype)
	}
	if names := readDirNames(t, dir); !slices.Equal(names, []string{"hello.txt"}) {
		t.Fatalf("ls right after objfs mount returned: %q", names)
	}
	if res.stdout != "" || res.stderr != "" {
		t.Errorf("objfs mount printed stdout %q, stderr %q; want nothing (logs go to --log-file)", res.stdout, res.stderr)
	}
	pids := daemonPIDs(t, dir)
	if len(pids) != 1 || pids[0] == cmd.Process.Pid {
		t.Fatalf("daemons %v (the command was %d), want one other process", pids, cmd.Process.Pid)
	}
	if sid := sessionOf(t, pids[0]); sid != pids[0] {
		t.Errorf("daemon %d is in session %d, want its own (setsid)", pids[0], sid)
	}

	if got := mustRun(t, "cat", filepath.Join(dir, "hello.txt")); got != "hello\n" {
		t.Fatalf("cat: %q", got)
	}
	body := randomBytes(7, 300<<10)
	if err := os.WriteFile(filepath.Join(dir, "written.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := getRange(t, srv.SDK(), bucket, "written.bin", 0, int64(len(body))); md5hex(got) != md5hex(body) {
		t.Fatal("the file written through the daemon differs in S3")
	}

	// objfs umount returns once the daemon has flushed and exited.
	um := runCmd(t, objfsCmd(t, ep, parent, "umount", dir), time.Minute)
	if um.code != 0 {
		t.Fatalf("objfs umount exited %d: %s", um.code, um.stderr)
	}
	if pids := daemonPIDs(t, dir); len(pids) != 0 {
		t.Fatalf("daemon %v still running when objfs umount returned", pids)
	}
	if mountedAt(dir) {
		t.Fatalf("%s still mounted after objfs umount", dir)
	}
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), "mounted s3://"+bucket) || !strings.Contains(string(log), "unmounted by objfs umount") {
		t.Errorf("daemon log lacks the mount and the unmount by objfs umount:\n%s", log)
	}
	if strings.Contains(string(log), "unmounted from outside") {
		t.Errorf("daemon log says an unmount by objfs umount came from outside:\n%s", log)
	}
}

// TestDaemonModeFailures: a mount that cannot work makes the command
// exit non-zero with the child's one-line error and leaves no daemon and
// no mount; a command-line mistake is reported by the parent itself
// (exit 2) without starting a child.
func TestDaemonModeFailures(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep := serverEndpoint(srv)

	t.Run("dead endpoint", func(t *testing.T) {
		parent, dir := newMountDir(t)
		cleanupDaemons(t, dir, "", "")
		dead := ep
		dead.URL = "http://127.0.0.1:1"
		res := runCmd(t, objfsCmd(t, dead, parent, "mount", "--endpoint", dead.URL, "--region", "us-east-1", "--path-style",
			"s3://"+bucket, dir), 2*failLimit)
		if res.code == 0 || res.elapsed > failLimit {
			t.Fatalf("exit %d after %v, want non-zero within %v", res.code, res.elapsed, failLimit)
		}
		lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "objfs: ") || !strings.Contains(lines[0], "127.0.0.1:1") {
			t.Fatalf("stderr %q, want one line naming the endpoint", res.stderr)
		}
		if len(daemonPIDs(t, dir)) != 0 || mountedAt(dir) {
			t.Fatal("a daemon or a mount is left")
		}
	})
	t.Run("unknown option", func(t *testing.T) {
		parent, dir := newMountDir(t)
		cleanupDaemons(t, dir, "", "")
		res := runCmd(t, objfsCmd(t, ep, parent, "mount", "-o", "endpoint="+ep.URL+",path_style,frobnicate", "s3://"+bucket, dir), failLimit)
		if res.code != 2 || !strings.Contains(res.stderr, `objfs: unknown mount option "frobnicate"`) {
			t.Fatalf("exit %d, stderr %q; want 2 and the option named", res.code, res.stderr)
		}
		if mountedAt(dir) {
			t.Fatal("mounted despite the error")
		}
	})
}
