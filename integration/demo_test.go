//go:build linux

package integration

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// TestMakeDemo runs `make demo` on a terminal (script(1)'s pty), as a
// user does: it mounts ./mnt with the scratch bucket README's example
// copies into, and Ctrl-C ends it with exit status 0 and no
// "make: *** Error 130".
func TestMakeDemo(t *testing.T) {
	testenv.RequireFUSE(t)
	requireTool(t, "script") // script(1) gives make demo a terminal
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(root, "mnt")
	if mountedAt(mnt) {
		t.Skip("a demo is running in this tree")
	}
	cmd := exec.Command("script", "-qfec", "make --no-print-directory demo", "/dev/null")
	cmd.Dir = root
	keys, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if mountedAt(mnt) {
			exec.Command("fusermount3", "-u", "-z", mnt).Run()
		}
	})

	deadline := time.After(3 * time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("make demo ended before serving (%v):\n%s", err, out.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("make demo did not start serving within 3 minutes:\n%s", out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if fi, err := os.Stat(filepath.Join(mnt, "scratch")); err != nil || !fi.IsDir() {
		t.Errorf("mnt/scratch: %v, want the bucket README's example writes to", err)
	}
	time.Sleep(500 * time.Millisecond) // the demo reaches its key loop
	io.WriteString(keys, "\x03")       // Ctrl-C on the terminal
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("make demo did not end after Ctrl-C:\n%s", out.String())
	}
	if err != nil || strings.Contains(out.String(), "Error") {
		t.Fatalf("make demo after Ctrl-C: %v; want exit 0 and no make error:\n%s", err, out.String())
	}
	if mountedAt(mnt) {
		t.Error("mnt still mounted after the demo ended")
	}
}
