//go:build linux

package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// failLimit is how soon a mount that cannot work must give up.
const failLimit = 15 * time.Second

// failedMount is how a refused `objfs mount` ended.
type failedMount struct {
	exitCode int // -1 when killed
	stderr   string
	elapsed  time.Duration
}

// runFailingMount runs `objfs mount` (with flags args) that is expected to refuse, killing it
// (and lazily unmounting dir) if it has not exited after twice failLimit.
func runFailingMount(t *testing.T, ep endpoint, source, dir string, args ...string) failedMount {
	t.Helper()
	// objfsMountCmd may build the binary (the first test to need it does):
	// the clock starts only after it.
	cmd := objfsMountCmd(t, ep, t.TempDir(), source, dir, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*failLimit)
	defer cancel()
	cmd = withContext(ctx, cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	res := failedMount{stderr: stderr.String(), elapsed: time.Since(start), exitCode: cmd.ProcessState.ExitCode()}
	if mountedAt(dir) {
		exec.Command("fusermount3", "-u", "-z", dir).Run()
		t.Errorf("%s was left mounted", dir)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run objfs: %v; stderr: %s", err, stderr.String())
	}
	return res
}

// withContext returns a copy of cmd that is killed when ctx is done.
func withContext(ctx context.Context, cmd *exec.Cmd) *exec.Cmd {
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Env, c.SysProcAttr = cmd.Env, cmd.SysProcAttr
	return c
}

// TestBadInput: a wrong endpoint, a wrong secret, a missing bucket and a
// missing mountpoint each make `objfs mount` exit non-zero within 15 s with
// one line on stderr that names the problem, leaving nothing mounted and
// no secret printed.
func TestBadInput(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	good := serverEndpoint(srv)
	// Port 1 (tcpmux) is privileged and unused: a connection is refused at
	// once. A port that was merely free a moment ago can be taken by another
	// test's server meanwhile, and then the "dead" endpoint answers.
	deadEndpoint := good
	deadEndpoint.URL = "http://127.0.0.1:1"
	wrongSecret := good
	wrongSecret.SecretKey = "not-the-secret-" + good.SecretKey[:8]

	cases := []struct {
		name   string
		ep     endpoint
		source string
		noDir  bool
		want   []string // stderr names one of these (case-insensitive)
	}{
		{"wrong endpoint", deadEndpoint, "s3://" + bucket, false, []string{"endpoint"}},
		{"wrong secret", wrongSecret, "s3://" + bucket, false, []string{"credentials", "access"}},
		{"missing bucket", good, "s3://no-such-bucket-" + strconv.Itoa(os.Getpid()), false, []string{"bucket"}},
		{"missing mountpoint", good, "s3://" + bucket, true, []string{"mountpoint", "mount point"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "mnt")
			if !c.noDir {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			res := runFailingMount(t, c.ep, c.source, dir)
			checkRefusal(t, res, c.want, c.ep.SecretKey)
		})
	}
}

// checkRefusal checks exit status, time and the one stderr line.
func checkRefusal(t *testing.T, res failedMount, want []string, secret string) {
	t.Helper()
	if res.exitCode == 0 {
		t.Errorf("exit status 0, want non-zero")
	}
	if res.elapsed > failLimit {
		t.Errorf("took %v, want under %v", res.elapsed.Round(time.Millisecond), failLimit)
	}
	msgs := lines(res.stderr)
	if len(msgs) != 1 {
		t.Errorf("stderr has %d lines, want exactly one:\n%s", len(msgs), res.stderr)
	}
	low := strings.ToLower(res.stderr)
	named := false
	for _, w := range want {
		named = named || strings.Contains(low, w)
	}
	if !named {
		t.Errorf("stderr %q names none of %q", res.stderr, want)
	}
	if strings.Contains(res.stderr, secret) {
		t.Errorf("stderr contains the secret key")
	}
	t.Logf("exit %d after %v: %s", res.exitCode, res.elapsed.Round(time.Millisecond), strings.TrimSpace(res.stderr))
}
