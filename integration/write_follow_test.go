//go:build linux

package integration

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOpenFileFollowsAppendsHere: `tail -f` of a file that other processes
// append to through the same mount prints every line, and a descriptor
// opened before the appends reads them, as on a local file system (it
// used to stop at the first append: EOF at the size pinned at open).
func TestOpenFileFollowsAppendsHere(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "log.txt", []byte("start\n"))
	m := mount(t, "s3://"+bucket)
	f := m.Path("log.txt")

	held, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if got, err := io.ReadAll(held); err != nil || string(got) != "start\n" {
		t.Fatalf("first read: %q, %v", got, err)
	}
	tail := exec.Command("tail", "-n", "+1", "-f", f)
	var out lockedBuffer
	tail.Stdout = &out
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { tail.Process.Kill(); tail.Wait() }()

	want := "start\n"
	for _, line := range []string{"l1", "l2", "l3"} {
		time.Sleep(1200 * time.Millisecond) // tail polls a FUSE file once a second
		mustRun(t, "sh", "-c", `echo "$1" >> "$2"`, "sh", line, f)
		want += line + "\n"
	}
	deadline := time.Now().Add(15 * time.Second)
	for out.String() != want && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if got := out.String(); got != want {
		t.Errorf("tail -f printed %q, want %q", got, want)
	}
	if got, err := io.ReadAll(held); err != nil || string(got) != strings.TrimPrefix(want, "start\n") {
		t.Errorf("descriptor opened before the appends reads %q, %v", got, err)
	}
}

// lockedBuffer is a bytes.Buffer a child process writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
