//go:build linux

package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// toolTimeout bounds one tool run, so that a hung mount fails the test
// instead of hanging it (FUSE waits are killable).
const toolTimeout = 3 * time.Minute

// toolResult is what one run of a command produced.
type toolResult struct {
	Stdout, Stderr string
	Err            error // nil on exit status 0
}

// runTool runs name with args in the C locale (stable output and messages).
func runTool(name string, args ...string) toolResult {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	return toolResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// mustRun runs a command and fails t unless it exits 0; it returns stdout.
func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	r := runTool(name, args...)
	if r.Err != nil {
		t.Fatalf("%s %s: %v\nstderr: %s", name, strings.Join(args, " "), r.Err, r.Stderr)
	}
	return r.Stdout
}

// lines splits command output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// nulFields splits -print0 style output.
func nulFields(s string) []string {
	var out []string
	for _, f := range strings.Split(s, "\x00") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
