//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/objfs/objfs/internal/mountinfo"
)

const (
	mountTimeout   = 20 * time.Second
	unmountTimeout = 60 * time.Second
)

// mount is one `objfs mount` subprocess, or a peer's.
type mount struct {
	dir    string // the mountpoint
	parent string // temporary directory holding dir, the log and a peer's cache
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // exit status, once exited is closed
}

// mountObjfs mounts the bench bucket with args and waits for the kernel
// mount. Credentials go in the environment only.
func (e *env) mountObjfs(bin string, args ...string) (*mount, error) {
	parent, err := os.MkdirTemp("", "objfs-bench-")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(parent, "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	// --foreground: objfs daemonises by default; the bench waits on the process.
	argv := append([]string{"mount", "--foreground", "--endpoint", e.srv.Endpoint, "--region", e.srv.Region, "--path-style"}, args...)
	cmd := exec.Command(bin, append(argv, "s3://"+benchBucket, dir)...)
	cmd.Env = append(withoutAWS(os.Environ()),
		"AWS_ACCESS_KEY_ID="+e.srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+e.srv.SecretKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	return startMount(cmd, parent, dir)
}

// startMount starts cmd, which mounts dir (in the temporary directory
// parent, removed at unmount), logging to parent/mount.log, and waits for
// the kernel mount.
func startMount(cmd *exec.Cmd, parent, dir string) (*mount, error) {
	m := &mount{dir: dir, parent: parent, log: filepath.Join(parent, "mount.log"), cmd: cmd}
	logf, err := os.Create(m.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	m.exited = make(chan struct{})
	go func() { m.err = m.cmd.Wait(); close(m.exited) }()
	if err := m.waitMounted(); err != nil {
		m.unmount()
		return nil, err
	}
	return m, nil
}

func withoutAWS(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

func (m *mount) waitMounted() error {
	deadline := time.Now().Add(mountTimeout)
	for time.Now().Before(deadline) {
		if mounted(m.dir) {
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("objfs exited (%v) before mounting; log:\n%s", m.err, tailFile(m.log))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not mounted within %v", m.dir, mountTimeout)
}

// mounted reports whether dir is a mount point in /proc/self/mountinfo.
func mounted(dir string) bool {
	_, found, _ := mountinfo.FindFile(mountinfo.Self, dir)
	return found
}

// path joins elem onto the mountpoint.
func (m *mount) path(elem ...string) string {
	return filepath.Join(append([]string{m.dir}, elem...)...)
}

// unmount stops objfs with SIGTERM and waits; a mount still there is
// lazily unmounted. The log is returned for the caller's diagnostics.
func (m *mount) unmount() (string, error) {
	var errs []error
	if m.isPeer() {
		// Peers are stopped the way their manuals say: by unmounting
		// (s3fs aborts on SIGTERM).
		if out, err := exec.Command("fusermount3", "-u", m.dir).CombinedOutput(); err != nil {
			logf("fusermount3 -u %s: %v: %s", m.dir, err, out)
		}
		select {
		case <-m.exited:
		case <-time.After(unmountTimeout):
		}
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
		switch {
		case m.err == nil || m.termExit():
		case m.isPeer(): // a peer's exit status is its business, not a failed run
			logf("%s exited with %v: %s", filepath.Base(m.cmd.Path), m.err, tailFile(m.log))
		default:
			errs = append(errs, fmt.Errorf("%s exited with %v", filepath.Base(m.cmd.Path), m.err))
		}
	case <-time.After(unmountTimeout):
		m.cmd.Process.Kill()
		<-m.exited
		errs = append(errs, errors.New("objfs did not exit on SIGTERM"))
	}
	if mounted(m.dir) {
		exec.Command("fusermount3", "-u", "-z", m.dir).Run()
	}
	log, _ := os.ReadFile(m.log)
	if !mounted(m.dir) { // never recurse into a live mount
		os.RemoveAll(m.parent)
	}
	return string(log), errors.Join(errs...)
}

// termExit reports whether a peer ended by SIGTERM the way such programs
// do (exit status 143, or killed by the signal); objfs must exit 0.
func (m *mount) termExit() bool {
	var ee *exec.ExitError
	if !m.isPeer() || !errors.As(m.err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ee.ExitCode() == 143 || ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

func (m *mount) isPeer() bool { return filepath.Base(m.cmd.Path) != "objfs" }

// resetPeakRSS resets the daemon's VmHWM (proc(5), clear_refs 5).
func (m *mount) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", m.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSS returns the daemon's VmHWM in bytes.
func (m *mount) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// dropPageCache empties the kernel's page cache (root only), so that
// "cold" reads come from MinIO's disk and from S3 through objfs.
func dropPageCache() error {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

func tailFile(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
