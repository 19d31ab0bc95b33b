package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/csi"
	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/vfs"
)

// `objfs csi-mounter` is the long-lived half of the CSI hand-off
// (csi/handoff.go): objfs csi mounts each volume itself and passes the
// /dev/fuse descriptor here, and this process starts the objfs mount
// daemon that serves it. It runs in a pod of its own, which is not
// replaced when the plugin is upgraded; it needs no privilege (no
// mount(2), no /dev/fuse, no kubelet directory), only the state
// directory the plugin shares. The daemons it starts are in sessions of
// their own: they keep serving when it exits or restarts in its
// container, and the next one finds them by their pid files.

const flagMounterSocket = "mounter-socket"

// defaultMounterSocket is where the deployment puts the mounter socket.
const defaultMounterSocket = "/var/lib/objfs-csi/mounter/mounter.sock"

func csiMounterCommand() *cli.Command {
	return &cli.Command{
		Name:         "csi-mounter",
		Usage:        "serve the mounts objfs csi hands over (Kubernetes node mounter)",
		ArgsUsage:    " ",
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "socket", Value: defaultMounterSocket, Usage: "the hand-off socket (its directory is made 0700)"},
			&cli.StringFlag{Name: flagLogLevel, Value: "info", Usage: "debug, info, warn, error"},
		},
		Action: runCSIMounter,
	}
}

func runCSIMounter(c *cli.Context) error {
	if c.Args().Present() {
		return usageErrorf("csi-mounter", "csi-mounter takes no arguments")
	}
	level, err := parseLevel(c.String(flagLogLevel))
	if err != nil {
		return usageErrorf("csi-mounter", "%v", err)
	}
	logger := newLogger(c.App.ErrWriter, logOptions{Level: level, Format: "text"}, os.Getenv).With("component", "csi-mounter")
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	base := withoutAWSEnv(os.Environ())
	logger.Info("serving", "socket", c.String("socket"), "version", versionString())
	return csi.ServeMounter(ctx, csi.MounterConfig{
		Socket: c.String("socket"),
		Logger: logger,
		Start: func(args, env []string, fuse *os.File) (int, error) {
			return startHandedOff(args, append(append([]string(nil), base...), env...), fuse)
		},
		Wait: waitHandedOff,
	})
}

// startHandedOff starts the objfs mount daemon serving fuse and returns
// its pid once it serves, or its one-line error. The mounter reaps it.
func startHandedOff(args, env []string, fuse *os.File) (int, error) {
	if csi.FuseFDArg != fuseChildFD { // the flag the mounter adds names the fd spawnDaemon gives
		return 0, fmt.Errorf("internal: the mounter passes fd %d, the daemon gets %d", csi.FuseFDArg, fuseChildFD)
	}
	var out lockedBuffer
	cmd, err := spawnDaemon(args, env, fuse, &out)
	if err != nil {
		msg := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(out.String()), "objfs: ")), " ")
		if msg == "" {
			msg = err.Error()
		}
		return 0, fmt.Errorf("%s", msg)
	}
	go cmd.Wait()
	return cmd.Process.Pid, nil
}

// waitHandedOff waits until the objfs serving target (its pid file) has
// exited, for at most timeout.
func waitHandedOff(target string, timeout time.Duration) (bool, error) {
	pid, ok := servingPID(target)
	if !ok {
		return false, nil
	}
	if err := waitExit(pid, io.Discard, time.Hour, timeout); err != nil {
		return true, err
	}
	return false, nil
}

// withoutAWSEnv drops AWS_* variables: a volume's credentials come only
// from its secret.
func withoutAWSEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// lockedBuffer is a bytes.Buffer safe for the stderr relay's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// mountFUSE is objfs csi's mount(2) for the hand-off: fs.MountFD with
// the options objfs mount would use for k.
func mountFUSE(log *slog.Logger) func(string, csi.KernelMount) (*os.File, error) {
	return func(target string, k csi.KernelMount) (*os.File, error) {
		opts, err := handoffMountOptions(k)
		if err != nil {
			return nil, err
		}
		return fs.MountFD(target, opts, log)
	}
}

// handoffMountOptions are the fs.MountOptions objfs mount would give the
// kernel for k: its source's name, ro, noexec and the request size
// (max_read), checked as objfs mount checks --max-request-size.
func handoffMountOptions(k csi.KernelMount) (fs.MountOptions, error) {
	name := k.FSName
	if src, err := vfs.ParseSource(name); err == nil {
		name = src.String()
	}
	opts := fs.MountOptions{AllowOther: true, FSName: name, ReadOnly: k.ReadOnly, NoExec: k.NoExec}
	if k.MaxRequestSize != "" {
		n, err := parseSize(k.MaxRequestSize)
		if err == nil {
			err = fs.CheckRequestSize(n)
		}
		if err != nil {
			return fs.MountOptions{}, fmt.Errorf("invalid --%s %q: %w", flagMaxRequestSize, k.MaxRequestSize, err)
		}
		opts.MaxRequestSize = int(n)
	}
	return opts, nil
}
