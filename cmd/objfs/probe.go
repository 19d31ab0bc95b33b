package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// probeEnv, set to a mount point, makes the objfs binary stat it
// (statMount), print any error and exit: the readiness probe of
// mountAnswers, run in a child process. The daemon must not stat its own
// mount itself: a thread waiting for a FUSE request the daemon has
// already read cannot be interrupted, so a SIGKILL arriving meanwhile
// would leave a process that never finishes exiting and a mount nothing
// can unmount (seen in the integration test that kills the daemon right
// after mounting). A child stuck in the same way is released when the
// daemon's exit closes the FUSE connection.
const probeEnv = "OBJFS_PROBE_MOUNT"

// runProbe runs the probe when this process is one (probeEnv set) and
// returns its exit code.
func runProbe() (code int, isProbe bool) {
	mountpoint, ok := os.LookupEnv(probeEnv)
	if !ok {
		return 0, false
	}
	if err := statMount(mountpoint); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitFailure, true
	}
	return exitOK, true
}

// mountAnswers checks, in a child process (probeEnv), that mountpoint is
// a mount (its device differs from its parent's) that answers stat,
// within timeout.
func mountAnswers(mountpoint string, timeout time.Duration) error {
	exe, err := selfExe()
	if err != nil {
		return fmt.Errorf("cannot find the objfs binary to probe %s: %w", mountpoint, err)
	}
	markCloseOnExec() // the probe must not hold the FUSE connection open
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), probeEnv+"="+mountpoint)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot probe %s: %w", mountpoint, err)
	}
	res := make(chan error, 1)
	go func() { res <- cmd.Wait() }()
	select {
	case err := <-res:
		if err != nil {
			if msg := strings.TrimSpace(out.String()); msg != "" {
				return fmt.Errorf("%s", msg)
			}
			return fmt.Errorf("probing %s: %w", mountpoint, err)
		}
		return nil
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		return fmt.Errorf("stat %s did not answer within %v", mountpoint, timeout)
	}
}

// selfExe is this binary: /proc/self/exe where there is one (it still
// runs if the file was replaced or removed since), else os.Executable.
func selfExe() (string, error) {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe", nil
	}
	return os.Executable()
}
