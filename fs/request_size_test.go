package fs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRaisePagesLimit: the sysctl is raised only when it is below the
// pages a request size needs; a kernel without it keeps 1 MiB; a limit
// that cannot be raised gives what it allows, with the reason to log.
func TestRaisePagesLimit(t *testing.T) {
	dir := t.TempDir()
	sysctl := func(v string) string {
		p := filepath.Join(dir, "max_pages_limit")
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return strings.TrimSpace(string(b))
	}

	p := sysctl("256\n")
	got, msg, err := raisePagesLimit(p, 16<<20)
	if got != 16<<20 || err != nil || !strings.Contains(msg, "from 256 to 4096 pages") || read(p) != "4096" {
		t.Errorf("raise 256 for 16 MiB: %d %q %v, sysctl %s", got, msg, err, read(p))
	}
	p = sysctl("8192\n")
	if got, msg, err := raisePagesLimit(p, 16<<20); got != 16<<20 || msg != "" || err != nil || read(p) != "8192" {
		t.Errorf("8192 is enough for 16 MiB: %d %q %v, sysctl %s", got, msg, err, read(p))
	}
	p = sysctl("256")
	if got, msg, err := raisePagesLimit(p, 1<<20); got != 1<<20 || msg != "" || err != nil || read(p) != "256" {
		t.Errorf("1 MiB needs no raise: %d %q %v, sysctl %s", got, msg, err, read(p))
	}

	missing := filepath.Join(dir, "none")
	if got, msg, err := raisePagesLimit(missing, 16<<20); got != 1<<20 || err != nil || !strings.Contains(msg, "no fs.fuse.max_pages_limit") {
		t.Errorf("old kernel: %d %q %v, want 1 MiB and why", got, msg, err)
	}
	if got, msg, _ := raisePagesLimit(missing, 512<<10); got != 512<<10 || msg != "" {
		t.Errorf("old kernel, 512 KiB: %d %q", got, msg)
	}

	p = sysctl("512")
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // root writes a read-only file: make it a directory instead
		os.Remove(p)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if got, _, err := raisePagesLimit(p, 16<<20); got != 1<<20 || err == nil {
			t.Errorf("unreadable sysctl: %d %v, want 1 MiB and an error", got, err)
		}
		return
	}
	if got, msg, err := raisePagesLimit(p, 16<<20); got != 2<<20 || err == nil || !strings.Contains(msg, "cannot raise") {
		t.Errorf("read-only sysctl at 512 pages: %d %q %v, want 2 MiB and why", got, msg, err)
	}
}

func TestCheckRequestSize(t *testing.T) {
	for _, ok := range []int64{128 << 10, 1 << 20, 4 << 20, 16 << 20} {
		if err := CheckRequestSize(ok); err != nil {
			t.Errorf("%d: %v", ok, err)
		}
	}
	for _, bad := range []int64{0, 64 << 10, 1<<20 + 1, 32 << 20} {
		if CheckRequestSize(bad) == nil {
			t.Errorf("%d accepted", bad)
		}
	}
}
