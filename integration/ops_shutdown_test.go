//go:build linux

package integration

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// bigWrite is the size of the write interrupted by SIGTERM.
const bigWrite = 200 << 20

// TestSIGTERMDuringLargeWrite: objfs gets SIGTERM while dd, in another
// process, is writing a 200 MiB file. objfs must let dd finish (the file
// is open: the mount is detached lazily and served until dd closes it),
// upload it, and exit 0 only then: the object in S3 is complete the
// moment objfs has exited.
func TestSIGTERMDuringLargeWrite(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	src := filepath.Join(t.TempDir(), "src.bin")
	want := writeRandomMD5(t, src, bigWrite)
	m := mount(t, "s3://"+bucket)
	dst := filepath.Join(m.Dir, "big.bin")

	dd := exec.Command("dd", "if="+src, "of="+dst, "bs=1M")
	ddDone := make(chan error, 1)
	var ddErr []byte
	go func() {
		out, err := dd.CombinedOutput()
		ddErr = out
		ddDone <- err
	}()
	// Signal once dd is well into the file (its size through the mount).
	waitForSize(t, dst, 16<<20, ddDone)
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	select {
	case <-m.exited:
	case <-time.After(5 * time.Minute):
		t.Fatal("objfs did not exit within 5 minutes of SIGTERM")
	}
	exitedAfter := time.Since(signalled)
	// Now, before anything else can upload: the object must be complete.
	got := s3MD5(t, srv.SDK(), bucket, "big.bin")
	if m.exitErr != nil {
		t.Errorf("objfs exited with %v, want 0", m.exitErr)
	}
	select {
	case err := <-ddDone:
		if err != nil {
			t.Errorf("dd failed: %v: %s", err, ddErr)
		}
	case <-time.After(time.Minute):
		t.Fatal("dd still running after objfs exited")
	}
	if got != want {
		t.Fatalf("S3 holds md5 %s when objfs exits, want %s (the whole file)", got, want)
	}
	if mountedAt(m.Dir) {
		t.Error("still mounted after objfs exited")
	}
	t.Logf("objfs exited %v after SIGTERM, with the object complete", exitedAfter.Round(time.Millisecond))
}

// TestKilledDaemonUmount: after kill -9 the mount point is dead
// (ENOTCONN); `objfs umount` cleans it, and a new mount at the same place
// works.
func TestKilledDaemonUmount(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "hello.txt", []byte("hello\n"))
	ep := serverEndpoint(srv)
	m := mount(t, "s3://"+bucket)
	// Kill only once objfs has logged the mount: until then go-fuse holds
	// a file of the mount open (its poll probe in WaitMount), and a
	// process killed with a file of its own mount open hangs in exit on
	// that file's FLUSH, which nobody is left to answer.
	waitForLog(t, m.LogPath, "mounted ")
	m.cmd.Process.Kill()
	<-m.exited
	m.stopped = true // killed on purpose: the harness must not expect exit 0

	// ENOTCONN, or ECONNABORTED when the request was queued while the
	// kernel was still tearing down the dead daemon's connection (its
	// readiness probe may have had a request in flight): both say the
	// mount is dead.
	_, err := os.ReadDir(m.Dir)
	if !errors.Is(err, syscall.ENOTCONN) && !errors.Is(err, syscall.ECONNABORTED) {
		t.Fatalf("readdir of the dead mount: %v, want ENOTCONN or ECONNABORTED", err)
	}
	res := runCmd(t, objfsCmd(t, ep, m.parent, "umount", m.Dir), time.Minute)
	if res.code != 0 {
		t.Fatalf("objfs umount of the dead mount: exit %d: %s", res.code, res.stderr)
	}
	if mountedAt(m.Dir) {
		t.Fatal("still mounted after objfs umount")
	}
	if _, err := os.ReadDir(m.Dir); err != nil {
		t.Fatalf("mount point after objfs umount: %v", err)
	}

	// The same place mounts again, in daemon mode this time.
	logPath := filepath.Join(m.parent, "daemon.log")
	cleanupDaemons(t, m.Dir, logPath, ep.SecretKey)
	res = runCmd(t, objfsCmd(t, ep, m.parent, "mount", "--endpoint", ep.URL, "--region", "us-east-1", "--path-style",
		"--log-file", logPath, "s3://"+bucket, m.Dir), mountTimeout)
	if res.code != 0 {
		t.Fatalf("mount again: exit %d: %s", res.code, res.stderr)
	}
	if got := mustRun(t, "cat", filepath.Join(m.Dir, "hello.txt")); got != "hello\n" {
		t.Fatalf("cat after remounting: %q", got)
	}
	if res := runCmd(t, objfsCmd(t, ep, m.parent, "umount", m.Dir), time.Minute); res.code != 0 {
		t.Fatalf("objfs umount: exit %d: %s", res.code, res.stderr)
	}
	if pids := daemonPIDs(t, m.Dir); len(pids) != 0 {
		t.Fatalf("daemon %v still running when objfs umount returned", pids)
	}
	os.Remove(logPath)
}

// writeRandomMD5 writes n pseudo-random bytes to path and returns their
// md5.
func writeRandomMD5(t *testing.T, path string, n int) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := md5.New()
	const chunk = 4 << 20
	for off := 0; off < n; off += chunk {
		b := randomBytes(uint64(off), min(chunk, n-off))
		h.Write(b)
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitForSize waits until path (through the mount) holds at least n
// bytes, failing t if the writer ends first or it takes too long.
func waitForSize(t *testing.T, path string, n int64, writerDone <-chan error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if st, err := os.Stat(path); err == nil && st.Size() >= n {
			return
		}
		select {
		case err := <-writerDone:
			t.Fatalf("the writer ended (%v) before %s reached %d bytes", err, path, n)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach %d bytes in time", path, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// s3MD5 streams bucket/key from S3 and returns its md5 ("" when absent).
func s3MD5(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Logf("get %s: %v", key, err)
		return ""
	}
	defer out.Body.Close()
	h := md5.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitForLog waits until the file at path contains want.
func waitForLog(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(mountTimeout)
	for {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			t.Fatalf("%q not logged within %v; log:\n%s", want, mountTimeout, lastLines(b, 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
