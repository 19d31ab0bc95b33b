//go:build linux

package integration

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notification is one sd_notify datagram and what the mount looked like
// the moment it arrived.
type notification struct {
	msg      string
	mounted  bool     // dir was a fuse.objfs mount
	names    []string // what ls showed then (when mounted)
	statErr  error
	received time.Time
}

// TestSystemdNotify runs objfs as systemd's Type=notify would (no
// --foreground: NOTIFY_SOCKET alone keeps it attached) with NOTIFY_SOCKET
// on a socket the test reads: READY=1 comes only once the mount answers;
// SIGTERM brings STOPPING=1 and a clean exit.
func TestSystemdNotify(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "hello.txt", []byte("hello\n"))
	ep := serverEndpoint(srv)
	parent, dir := newMountDir(t)
	cleanupDaemons(t, dir, "", "")

	sock := filepath.Join(parent, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	notes := make(chan notification, 16)
	go readNotifications(conn, dir, notes)

	logPath := filepath.Join(parent, "objfs.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := objfsCmd(t, ep, parent, "mount", "--endpoint", ep.URL, "--region", "us-east-1", "--path-style", "s3://"+bucket, dir)
	cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("objfs log:\n%s", lastLines(log, logTailLines))
		}
	})

	ready := waitNotification(t, notes, exited, "READY=1")
	if !ready.mounted || ready.statErr != nil || !slices.Equal(ready.names, []string{"hello.txt"}) {
		t.Fatalf("at READY=1 the mount was: mounted %v, stat %v, ls %q; want a mount that answers", ready.mounted, ready.statErr, ready.names)
	}
	if !strings.Contains(ready.msg, "STATUS=Serving "+dir) {
		t.Errorf("READY message %q has no STATUS", ready.msg)
	}
	select {
	case err := <-exited:
		t.Fatalf("objfs exited (%v) under NOTIFY_SOCKET: it must stay attached", err)
	default:
	}

	cmd.Process.Signal(syscall.SIGTERM)
	waitNotification(t, notes, nil, "STOPPING=1")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("objfs exited with %v on SIGTERM", err)
		}
	case <-time.After(unmountTimeout):
		t.Fatal("objfs did not exit after SIGTERM")
	}
	if mountedAt(dir) {
		t.Fatal("still mounted after SIGTERM")
	}
}

// readNotifications reads datagrams until conn is closed, recording the
// state of the mount at dir as each arrives.
func readNotifications(conn *net.UnixConn, dir string, out chan<- notification) {
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			close(out)
			return
		}
		note := notification{msg: string(buf[:n]), received: time.Now()}
		_, note.mounted, _ = fuseMountAt(dir)
		if note.mounted {
			_, note.statErr = os.Stat(dir)
			if es, err := os.ReadDir(dir); err == nil {
				for _, e := range es {
					note.names = append(note.names, e.Name())
				}
			}
		}
		out <- note
	}
}

// waitNotification returns the first notification containing want,
// failing t if objfs exits first (exited, when not nil) or none comes in
// time.
func waitNotification(t *testing.T, notes <-chan notification, exited <-chan error, want string) notification {
	t.Helper()
	deadline := time.After(mountTimeout)
	for {
		select {
		case n, ok := <-notes:
			if !ok {
				t.Fatalf("notification socket closed before %q", want)
			}
			if strings.Contains(n.msg, want) {
				return n
			}
		case err := <-exited:
			t.Fatalf("objfs exited (%v) before sending %q", err, want)
		case <-deadline:
			t.Fatalf("no %q within %v", want, mountTimeout)
		}
	}
}

// TestSystemdUnitsVerify: systemd-analyze accepts the unit files of
// contrib/systemd (the service template with its ExecStart pointed at
// the binary under test, which must exist for verify).
func TestSystemdUnitsVerify(t *testing.T) {
	t.Parallel()
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze not found: run `make tools` (apt-get install -y systemd)")
	}
	dir := t.TempDir()
	svc, err := os.ReadFile("../contrib/systemd/objfs@.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "--foreground", "ExecStart=/usr/local/bin/objfs mount"} {
		if !strings.Contains(string(svc), want) {
			t.Errorf("objfs@.service lacks %q", want)
		}
	}
	units := []string{filepath.Join(dir, "objfs@training-data.service"), filepath.Join(dir, "mnt-data.mount")}
	svc = []byte(strings.ReplaceAll(string(svc), "/usr/local/bin/objfs", objfsBinary(t)))
	if err := os.WriteFile(units[0], svc, 0o644); err != nil {
		t.Fatal(err)
	}
	mnt, err := os.ReadFile("../contrib/systemd/mnt-data.mount")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(units[1], mnt, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
