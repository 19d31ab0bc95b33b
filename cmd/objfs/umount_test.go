package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// fakeTools records unmount helper invocations and answers them from a
// script of (output, failed) pairs; the last entry repeats.
type fakeTools struct {
	installed map[string]bool
	outputs   []string // "" with ok=true means success
	fails     []bool
	calls     [][]string
}

func (f *fakeTools) lookPath(name string) (string, error) {
	if f.installed[name] {
		return "/usr/bin/" + name, nil
	}
	return "", exec.ErrNotFound
}

func (f *fakeTools) run(bin string, args ...string) ([]byte, error) {
	n := len(f.calls)
	f.calls = append(f.calls, append([]string{bin}, args...))
	i := min(n, len(f.outputs)-1)
	if f.fails[i] {
		return []byte(f.outputs[i]), errors.New("exit status 1")
	}
	return []byte(f.outputs[i]), nil
}

func newFakeUnmounter(f *fakeTools, mounted bool) *unmounter {
	return &unmounter{
		tools:    []string{"fusermount3", "fusermount"},
		lookPath: f.lookPath,
		run:      f.run,
		mounted:  func(string) (bool, error) { return mounted, nil },
	}
}

func TestUnmountUsesFirstHelper(t *testing.T) {
	f := &fakeTools{installed: map[string]bool{"fusermount3": true, "fusermount": true}, outputs: []string{""}, fails: []bool{false}}
	if err := newFakeUnmounter(f, true).Unmount("/mnt/x", false); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"/usr/bin/fusermount3", "-u", "/mnt/x"}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

func TestUnmountFallsBackToFusermount(t *testing.T) {
	f := &fakeTools{installed: map[string]bool{"fusermount": true}, outputs: []string{""}, fails: []bool{false}}
	if err := newFakeUnmounter(f, true).Unmount("/mnt/x", true); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"/usr/bin/fusermount", "-u", "-z", "/mnt/x"}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

func TestUnmountDeadMountGoesLazy(t *testing.T) {
	f := &fakeTools{installed: map[string]bool{"fusermount3": true},
		outputs: []string{"fusermount3: failed to unmount /mnt/x: Transport endpoint is not connected\n", ""},
		fails:   []bool{true, false}}
	if err := newFakeUnmounter(f, true).Unmount("/mnt/x", false); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"/usr/bin/fusermount3", "-u", "/mnt/x"}, {"/usr/bin/fusermount3", "-u", "-z", "/mnt/x"}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

func TestUnmountErrors(t *testing.T) {
	tests := []struct {
		name    string
		mounted bool
		output  string
		want    string
		calls   int
	}{
		{"not in mount table", false, "", "/mnt/x is not mounted", 0},
		{"fusermount says not found", true, "fusermount3: entry for /mnt/x not found in /etc/mtab\n", "/mnt/x is not mounted", 1},
		{"busy", true, "fusermount3: failed to unmount /mnt/x: Device or resource busy\n", "cannot unmount /mnt/x: it is busy", 1},
		{"other failure", true, "fusermount3: something odd\nhappened\n", "cannot unmount /mnt/x: fusermount3: something odd happened", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTools{installed: map[string]bool{"fusermount3": true}, outputs: []string{tt.output}, fails: []bool{true}}
			err := newFakeUnmounter(f, tt.mounted).Unmount("/mnt/x", false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.want)
			}
			if len(f.calls) != tt.calls {
				t.Errorf("%d helper calls, want %d", len(f.calls), tt.calls)
			}
		})
	}
}

func TestUnmountWithoutHelpers(t *testing.T) {
	f := &fakeTools{installed: map[string]bool{}}
	u := newFakeUnmounter(f, true)
	if err := u.Unmount("/mnt/x", false); err == nil || !strings.Contains(err.Error(), "install fuse3") {
		t.Errorf("error %v, want a hint to install fuse3", err)
	}
	var got []bool
	u.sysUnmount = func(path string, lazy bool) error {
		got = append(got, lazy)
		if !lazy {
			return syscall.ENOTCONN
		}
		return nil
	}
	if err := u.Unmount("/mnt/x", false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []bool{false, true}) {
		t.Errorf("umount(2) lazy flags %v, want a plain then a lazy try", got)
	}
	u.sysUnmount = func(string, bool) error { return sysUnmountErr(syscall.EINVAL) }
	if err := u.Unmount("/mnt/x", false); err == nil || !strings.Contains(err.Error(), "is not mounted") {
		t.Errorf("EINVAL: %v", err)
	}
}

func TestUmountArgs(t *testing.T) {
	dir := t.TempDir()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(real)
	if err := os.Mkdir("m", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("m", "link"); err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{"m": filepath.Join(real, "m"), "link": filepath.Join(real, "m"), "./m/": filepath.Join(real, "m"), "gone": filepath.Join(real, "gone")} {
		if got, err := umountArgs([]string{arg}); err != nil || got != want {
			t.Errorf("umountArgs(%q) = %q, %v; want %q", arg, got, err, want)
		}
	}
	for _, args := range [][]string{nil, {"a", "b"}, {""}} {
		var ue *usageError
		if _, err := umountArgs(args); !errors.As(err, &ue) {
			t.Errorf("umountArgs(%q) = %v, want a usage error", args, err)
		}
	}
}

func TestUmountCommandNotMounted(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "umount", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if want := "objfs: " + real + " is not mounted\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}
