//go:build linux

package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Helpers of the operations tests (ops_*_test.go): objfs run to
// completion (the daemon's parent, objfs umount, mount(8)), and the
// daemons they leave, found through /proc.

// daemonWait bounds how long a daemon may take to exit after its mount
// went away.
const daemonWait = 30 * time.Second

// ranCmd is how one command ended.
type ranCmd struct {
	code    int // exit status; -1 when killed
	stdout  string
	stderr  string
	elapsed time.Duration
}

// runCmd runs cmd to completion within timeout (then kills it).
func runCmd(t *testing.T, cmd *exec.Cmd, timeout time.Duration) ranCmd {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %q did not end within %v; stderr: %s", cmd.Path, cmd.Args[1:], timeout, stderr.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %s: %v", cmd.Path, err)
	}
	return ranCmd{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
}

// objfsCmd is the objfs binary under test with args, the endpoint's
// credentials in its environment only.
func objfsCmd(t *testing.T, ep endpoint, scratch string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(objfsBinary(t), args...)
	cmd.Env = objfsEnv(t, ep, scratch)
	return cmd
}

// daemonPIDs returns the processes running the objfs binary under test
// with dir among their arguments: the daemons serving dir.
func daemonPIDs(t *testing.T, dir string) []int {
	t.Helper()
	bin := objfsBinary(t)
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(filepath.Base(p))
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Readlink(filepath.Join(p, "exe"))
		if err != nil || exe != bin {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil {
			continue
		}
		if slices.Contains(strings.Split(string(cmdline), "\x00"), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitNoDaemon waits until no daemon serves dir any more.
func waitNoDaemon(t *testing.T, dir string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pids := daemonPIDs(t, dir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("objfs daemon %v for %s still running %v after its mount went away", pids, dir, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanupDaemons makes sure that nothing stays mounted at dir and no
// daemon serves it when t ends, and checks the daemon's log file (when
// there is one) for data races and the secret.
func cleanupDaemons(t *testing.T, dir, logPath, secret string) {
	t.Cleanup(func() {
		if mountedAt(dir) {
			t.Errorf("%s still mounted at the end of the test", dir)
			exec.Command("fusermount3", "-u", "-z", dir).Run()
		}
		for _, pid := range daemonPIDs(t, dir) {
			t.Errorf("objfs daemon %d for %s still running at the end of the test", pid, dir)
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if logPath == "" {
			return
		}
		log, _ := os.ReadFile(logPath)
		if bytes.Contains(log, []byte("WARNING: DATA RACE")) {
			t.Error("the race detector found a data race in the objfs daemon (see its log)")
		}
		if secret != "" && bytes.Contains(log, []byte(secret)) {
			t.Error("the objfs daemon's log contains the secret access key")
		}
		if t.Failed() {
			t.Logf("objfs daemon log (%s), last %d lines:\n%s", logPath, logTailLines, lastLines(log, logTailLines))
		}
	})
}

// sessionOf returns the session id of pid (field 6 of /proc/PID/stat).
func sessionOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	fields := strings.Fields(rest) // state ppid pgrp session ...
	sid, err := strconv.Atoi(fields[3])
	if err != nil {
		t.Fatalf("stat of %d: %q", pid, b)
	}
	return sid
}

// readDirNames lists dir, bounded in time so that a hung mount fails.
func readDirNames(t *testing.T, dir string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	res := make(chan []string, 1)
	errc := make(chan error, 1)
	go func() {
		es, err := os.ReadDir(dir)
		if err != nil {
			errc <- err
			return
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		res <- names
	}()
	select {
	case names := <-res:
		return names
	case err := <-errc:
		t.Fatalf("readdir %s: %v", dir, err)
	case <-ctx.Done():
		t.Fatalf("readdir %s hung", dir)
	}
	return nil
}
