//go:build linux

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

const (
	mountTimeout   = 20 * time.Second // objfs mount until the kernel mount shows
	unmountTimeout = 15 * time.Second // SIGTERM until objfs exits
	logTailLines   = 200              // lines of the mount log shown on failure
)

// endpoint is where and as whom objfs connects.
type endpoint struct {
	URL       string
	AccessKey string
	SecretKey string
}

func serverEndpoint(srv *testenv.Server) endpoint {
	return endpoint{URL: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
}

// Mount is one running `objfs mount` subprocess and its mountpoint.
type Mount struct {
	Dir     string // the mountpoint (symlinks resolved)
	LogPath string // objfs's stdout and stderr

	t       *testing.T
	secret  string // must never appear in the log
	parent  string // temporary directory holding Dir and LogPath
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	exitErr error         // the process's exit status, once exited is closed
	stopped bool
	stopErr error
}

// mount mounts source (s3://, s3://BUCKET, s3://BUCKET/PREFIX/) from the
// shared MinIO with extra flags args, and waits for the kernel mount. The
// mount is always torn down when t ends.
func mount(t *testing.T, source string, args ...string) *Mount {
	t.Helper()
	srv := requireMountable(t)
	return mountVia(t, serverEndpoint(srv), source, args...)
}

// mountVia is mount through another endpoint (a counting proxy, say).
func mountVia(t *testing.T, ep endpoint, source string, args ...string) *Mount {
	t.Helper()
	testenv.RequireFUSE(t)
	parent, dir := newMountDir(t)
	m := &Mount{Dir: dir, LogPath: filepath.Join(parent, "objfs.log"), t: t, secret: ep.SecretKey, parent: parent}
	logf, err := os.Create(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	if os.Getenv("OBJFS_TEST_DEBUG") == "1" {
		args = append([]string{"--debug"}, args...) // trace FUSE operations in the log
	}
	m.cmd = objfsMountCmd(t, ep, parent, source, dir, args...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start objfs: %v", err)
	}
	m.exited = make(chan struct{})
	go func() { m.exitErr = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(m.cleanup)
	m.waitMounted()
	return m
}

// newMountDir makes <tmp>/objfs-it-mnt-*/mnt and returns both paths.
func newMountDir(t *testing.T) (parent, dir string) {
	t.Helper()
	parent, err := makeOwnedTemp(mountDirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(parent, "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return parent, dir
}

// objfsMountCmd is `objfs mount --foreground --endpoint E --region
// us-east-1 --path-style ARGS SOURCE DIR` with the credentials in its
// environment only, and Pdeathsig=SIGTERM so that it unmounts itself if
// the test binary dies. --foreground: objfs daemonises by default, and the
// harness waits on the serving process.
func objfsMountCmd(t *testing.T, ep endpoint, scratch, source, dir string, args ...string) *exec.Cmd {
	t.Helper()
	argv := append([]string{"mount", "--foreground", "--endpoint", ep.URL, "--region", "us-east-1", "--path-style"}, args...)
	argv = append(argv, source, dir)
	cmd := exec.Command(objfsBinary(t), argv...)
	cmd.Env = objfsEnv(t, ep, scratch)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}

// objfsEnv is the test's environment without any AWS_* variable, plus the
// endpoint's credentials and empty shared config files, so that the
// machine's AWS set-up cannot leak in.
func objfsEnv(t *testing.T, ep endpoint, scratch string) []string {
	t.Helper()
	cfg := filepath.Join(scratch, "aws-config")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+ep.AccessKey, "AWS_SECRET_ACCESS_KEY="+ep.SecretKey,
		"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+cfg,
		"AWS_EC2_METADATA_DISABLED=true")
}

// waitMounted waits until Dir is a FUSE mount, failing t if objfs exits
// first or mountTimeout passes.
func (m *Mount) waitMounted() {
	m.t.Helper()
	deadline := time.Now().Add(mountTimeout)
	for {
		fstype, ok, err := fuseMountAt(m.Dir)
		if err != nil {
			m.t.Fatal(err)
		}
		if ok {
			return
		}
		if fstype != "" {
			m.t.Fatalf("%s is mounted with type %q, want fuse.objfs", m.Dir, fstype)
		}
		select {
		case <-m.exited:
			m.t.Fatalf("objfs exited (%v) before mounting %s", m.exitErr, m.Dir)
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s not mounted within %v", m.Dir, mountTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Path joins elem onto the mountpoint.
func (m *Mount) Path(elem ...string) string {
	return filepath.Join(append([]string{m.Dir}, elem...)...)
}

// Unmount stops objfs with SIGTERM, as a user would, and checks that it
// exits 0 within unmountTimeout leaving nothing mounted. Whatever happens,
// nothing is left behind: a mount still there is lazily unmounted and a
// process still running is killed. Calling it again returns the same error.
func (m *Mount) Unmount() error {
	if m.stopped {
		return m.stopErr
	}
	m.stopped = true
	var errs []error
	m.cmd.Process.Signal(syscall.SIGTERM)
	exited := true
	select {
	case <-m.exited:
		if m.exitErr != nil {
			errs = append(errs, fmt.Errorf("objfs exited with %v on SIGTERM, want exit status 0", m.exitErr))
		}
	case <-time.After(unmountTimeout):
		exited = false
		errs = append(errs, fmt.Errorf("objfs did not exit within %v of SIGTERM", unmountTimeout))
	}
	if mountedAt(m.Dir) {
		errs = append(errs, fmt.Errorf("%s still mounted after objfs handled SIGTERM", m.Dir))
		if out, err := exec.Command("fusermount3", "-u", "-z", m.Dir).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("fusermount3 -u -z: %v: %s", err, out))
		}
	}
	if !exited {
		m.cmd.Process.Kill()
		<-m.exited
	}
	m.stopErr = errors.Join(errs...)
	return m.stopErr
}

// cleanup unmounts, fails t on a data race in objfs or a secret in its
// log, shows and saves the log when t failed, and removes the mount's
// directories (never recursively: a mountpoint still attached must not be
// walked).
func (m *Mount) cleanup() {
	if err := m.Unmount(); err != nil {
		m.t.Error(err)
	}
	log, _ := os.ReadFile(m.LogPath)
	if bytes.Contains(log, []byte("WARNING: DATA RACE")) {
		m.t.Error("the race detector found a data race in objfs (see its log)")
	}
	if m.secret != "" && bytes.Contains(log, []byte(m.secret)) {
		m.t.Error("the objfs log contains the secret access key")
	}
	if m.t.Failed() {
		m.t.Logf("objfs log (%s), last %d lines:\n%s", m.LogPath, logTailLines, lastLines(log, logTailLines))
		if saved, err := saveLog(m.t.Name(), log); err == nil {
			m.t.Logf("full objfs log saved as %s", saved)
		}
	}
	os.Remove(m.LogPath)
	os.Remove(filepath.Join(m.parent, "aws-config"))
	os.Remove(filepath.Join(m.parent, ownerFile))
	os.Remove(m.Dir)
	os.Remove(m.parent)
}

// saveLog writes a failed test's mount log to testdata/out/TEST.log.
func saveLog(testName string, log []byte) (string, error) {
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(testName)+".log")
	return path, os.WriteFile(path, log, 0o644)
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
