package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPidFile: the serving process is found through its record; a record
// of a process that is gone, or that is not objfs, is dropped.
func TestPidFile(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	mp := "/mnt/objfs test"
	if _, ok := servingPID(mp); ok {
		t.Fatal("found a daemon without a record")
	}
	remove, err := writePidFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	if pid, ok := servingPID(mp); !ok || pid != os.Getpid() {
		t.Fatalf("servingPID = %d, %v; want this process", pid, ok)
	}
	if _, ok := servingPID("/mnt/other"); ok {
		t.Fatal("another mountpoint matched")
	}
	remove()
	if _, err := os.Stat(pidFilePath(mp)); !os.IsNotExist(err) {
		t.Fatalf("record still there after remove: %v", err)
	}

	// A record naming a process that is not objfs (the pid of a finished
	// or foreign program) is stale.
	sleeper := exec.Command("sleep", "5")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	content := strconv.Itoa(sleeper.Process.Pid) + "\n" + mp + "\n"
	if err := os.WriteFile(pidFilePath(mp), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := servingPID(mp); ok {
		t.Fatal("a sleep process was taken for objfs")
	}
	if _, err := os.Stat(pidFilePath(mp)); !os.IsNotExist(err) {
		t.Fatal("stale record not removed")
	}
}

func TestWaitExit(t *testing.T) {
	if err := waitExit(-1, nil, time.Second, time.Second); err != nil {
		t.Fatalf("no process: %v", err)
	}
	var out bytes.Buffer
	err := waitExit(os.Getpid(), &out, 50*time.Millisecond, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("waiting for ourselves: %v", err)
	}
	if !strings.Contains(out.String(), "waiting for objfs") {
		t.Fatalf("no progress printed: %q", out.String())
	}
}
