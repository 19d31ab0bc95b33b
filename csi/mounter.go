package csi

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/objfs/objfs/internal/mountinfo"
)

// runner is how the Driver mounts, unmounts and looks at the mount
// table; execRunner is the real one.
type runner interface {
	// mount runs `objfs mount` (argv, env) and returns once the mount
	// answers; the daemon it leaves serving is no child of the plugin.
	// k is what a mount(2) made by the plugin itself needs (hand-off).
	mount(ctx context.Context, argv, env []string, k KernelMount) error
	// umount runs `objfs umount target`, which returns once the daemon
	// has uploaded what is pending and exited (when it can see it).
	umount(ctx context.Context, target string) error
	// settle returns once the objfs that served target (with its state
	// in stateDir) has exited, bounded by Config.UnmountTimeout.
	settle(ctx context.Context, target, stateDir string) error
	// state tells whether an objfs mount is on target and whether it
	// answers (a mount whose objfs died gives ENOTCONN).
	state(target string) (mounted, alive bool, err error)
}

type execRunner struct{ cfg *Config }

func (r execRunner) mount(ctx context.Context, argv, env []string, _ KernelMount) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.MountTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = "/"
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return commandError(ctx, "objfs mount", out, err)
	}
	return nil
}

// settle has nothing to do: objfs umount waited.
func (execRunner) settle(context.Context, string, string) error { return nil }

func (r execRunner) umount(ctx context.Context, target string) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.UnmountTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.cfg.Binary, "umount", target)
	cmd.Dir = "/"
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return commandError(ctx, "objfs umount", out, err)
	}
	return nil
}

// commandError is objfs's own one-line message (which never holds a
// credential), or the deadline.
func commandError(ctx context.Context, what string, out []byte, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s did not finish in time: %w", what, ctx.Err())
	}
	msg := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(string(out)), "objfs: ")), " ")
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("%s: %s", what, msg)
}

func (r execRunner) state(target string) (mounted, alive bool, err error) {
	m, ok, err := mountinfo.FindFile(r.cfg.MountInfo, target)
	if err != nil || !ok {
		return false, false, err
	}
	if !strings.HasPrefix(m.FSType, "fuse") {
		return true, true, fmt.Errorf("%s holds a %s mount, not objfs", target, m.FSType)
	}
	// statfs always reaches the server: a stat of the mountpoint is
	// answered from the kernel's attribute cache for as long as its TTL
	// after the server died, and a dead mount would pass for alive.
	var st syscall.Statfs_t
	err = syscall.Statfs(target, &st)
	if errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.ECONNABORTED) {
		return true, false, nil
	}
	return true, err == nil, nil
}
