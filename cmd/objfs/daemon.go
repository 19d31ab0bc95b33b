package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

// Daemon mode. `objfs mount` daemonises by default, as mountpoint-s3,
// s3fs and gcsfuse do and as mount(8) needs of a helper: the command
// returns once the file system answers, exit status 0, or with the
// error and a non-zero status. Go cannot fork, so the parent runs the
// same command line again as a detached child (new session, stdin and
// stdout on /dev/null) marked by envDaemonChild; the child's stderr is a
// pipe the parent copies to its own until the child reports ready on
// the pipe at fd 3 (readyFD), or exits. --foreground (-f) keeps objfs
// attached to the terminal; so does running under systemd with
// Type=notify (NOTIFY_SOCKET set), where the service's main process must
// stay.

// Flags of daemon mode and shutdown.
const (
	flagForeground      = "foreground"
	flagLogFile         = "log-file"
	flagShutdownTimeout = "shutdown-timeout"
	flagMetricsAddr     = "metrics-addr"
	flagNoExec          = "no-exec"
	flagNoXattrs        = "no-xattrs"
	flagAllowNonEmpty   = "allow-non-empty"
	catOperation        = "Operation"
)

// envDaemonChild marks the daemon child; readyFD is its readiness pipe.
const (
	envDaemonChild = "OBJFS_DAEMON_CHILD"
	readyFD        = 3
	readyMessage   = "READY\n"
)

// defaultShutdownTimeout bounds, after SIGTERM, the wait for files still
// being written and then the upload of what is pending (each).
const defaultShutdownTimeout = 10 * time.Minute

// opsFlags are the flags of daemon mode, logging destination, shutdown
// and metrics.
func opsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: flagForeground, Aliases: []string{"f"}, Category: catOperation,
			Usage: "stay attached to the terminal, logging to stderr (default: return once the mount answers, and run in the background)"},
		&cli.StringFlag{Name: flagLogFile, Category: catLogging,
			Usage: "append logs to `FILE` (default: stderr in the foreground, syslog in the background)"},
		&cli.DurationFlag{Name: flagShutdownTimeout, Category: catOperation, Value: defaultShutdownTimeout,
			Usage: "after SIGTERM or SIGINT, how long (a `DURATION` such as 10m) to keep serving files that are being written, and then to upload what is pending"},
		&cli.StringFlag{Name: flagMetricsAddr, Category: catOperation,
			Usage: "serve Prometheus metrics on `HOST:PORT` at /metrics, e.g. 127.0.0.1:9464"},
		&cli.BoolFlag{Name: flagNoExec, Category: catPerms,
			Usage: "forbid executing programs from the mount (mount -o noexec)"},
		&cli.BoolFlag{Name: flagNoXattrs, Category: catOperation,
			Usage: "show no extended attributes (by default each file shows its S3 object's ETag, LastModified, storage class, version id and user metadata as read-only user.s3.* attributes, for getfattr -d); the kernel then stops asking for security.capability before every write(2), which speeds up many small writes"},
		&cli.BoolFlag{Name: flagAllowNonEmpty, Category: catOperation,
			Usage: "mount over a directory that is not empty, hiding its files while mounted (mount -o nonempty)"},
		fuseFDFlag(),
	}
}

// daemonChild is set in the daemon child: its readiness pipe.
type daemonChild struct {
	ready *os.File
}

// takeDaemonChild returns the readiness pipe when this process is a
// daemon child, removing the marker so that no process it starts
// inherits it; nil otherwise.
func takeDaemonChild() *daemonChild {
	if os.Getenv(envDaemonChild) != "1" {
		return nil
	}
	os.Unsetenv(envDaemonChild)
	return &daemonChild{ready: os.NewFile(readyFD, "objfs-ready")}
}

// stayAttached reports whether this `objfs mount` serves in this process
// rather than starting a daemon child.
func stayAttached(c *cli.Context, child *daemonChild, getenv func(string) string) bool {
	return child != nil || c.Bool(flagForeground) || getenv("NOTIFY_SOCKET") != ""
}

// daemonize starts argv again as a detached daemon child and waits until
// it reports the mount ready (nil) or exits (a silentExit with its status:
// it has printed its error on the stderr it shares with us).
func daemonize(argv []string, stderr io.Writer) error {
	_, err := spawnDaemon(argv[1:], os.Environ(), nil, stderr)
	return err
}

// spawnDaemon starts this binary with args and env as a daemon child (in
// a session of its own, fuse as its fd 4 when not nil), copies its stderr
// to stderr until it reports ready, and returns it still running; or its
// failure, as daemonize does. The caller owns the returned process (objfs
// csi-mounter waits for it; daemonize, which exits next, does not).
func spawnDaemon(args, env []string, fuse *os.File, stderr io.Writer) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot start the daemon: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cannot start the daemon: %w", err)
	}
	defer readyR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		readyW.Close()
		return nil, fmt.Errorf("cannot start the daemon: %w", err)
	}
	defer errR.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(env, envDaemonChild+"=1")
	cmd.ExtraFiles = []*os.File{readyW} // fd 3 in the child
	if fuse != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, fuse) // fd 4
	}
	cmd.Stderr = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	readyW.Close()
	errW.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot start the daemon: %w", err)
	}
	relayed := make(chan struct{})
	go func() {
		io.Copy(stderr, errR)
		close(relayed)
	}()
	if err := awaitChild(cmd, readyR, relayed); err != nil {
		return nil, err
	}
	return cmd, nil
}

// fuseChildFD is the descriptor number spawnDaemon gives its fuse file.
const fuseChildFD = readyFD + 1

// awaitChild waits for the child's readiness message or its exit.
func awaitChild(cmd *exec.Cmd, ready io.Reader, relayed <-chan struct{}) error {
	line, _ := bufio.NewReader(ready).ReadString('\n')
	if line == readyMessage {
		// The child has detached its stderr before reporting ready; wait
		// briefly for what it wrote before to reach ours.
		select {
		case <-relayed:
		case <-time.After(2 * time.Second):
		}
		return nil
	}
	werr := cmd.Wait()
	<-relayed
	code := cmd.ProcessState.ExitCode()
	if code <= 0 {
		return fmt.Errorf("the mount daemon ended before the mount was ready (%v)", werr)
	}
	return silentExit(code)
}

// silentExit is an exit status whose message has been printed already.
type silentExit int

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitCode implements cli.ExitCoder.
func (e silentExit) ExitCode() int { return int(e) }

// Ready tells the waiting parent that the mount answers. Before, it moves
// stdin, stdout and stderr to /dev/null (or stderr and stdout to the log
// file, so that a crash report lands there), which also ends the parent's
// copy of our stderr; after, it leaves the working directory, so that the
// daemon keeps no file system busy.
func (d *daemonChild) Ready(logFile *os.File) error {
	if d == nil {
		return nil
	}
	if err := detachStdio(logFile); err != nil {
		return fmt.Errorf("detaching from the terminal: %w", err)
	}
	_, err := io.WriteString(d.ready, readyMessage)
	d.ready.Close()
	os.Chdir("/")
	if err != nil {
		return fmt.Errorf("reporting ready to the parent: %w", err)
	}
	return nil
}

// errNoSyslog: the daemon found no syslog to log to.
var errNoSyslog = errors.New("no syslog daemon (/dev/log)")

// logNote is the warning for a daemon without a log destination.
func logNote(err error) string {
	return strings.TrimSpace(fmt.Sprintf("warning: %v: the daemon's logs are discarded; use --%s FILE or --%s", err, flagLogFile, flagForeground))
}

// detachStdio points stdin at /dev/null, and stdout and stderr at
// logFile, or /dev/null without one.
func detachStdio(logFile *os.File) error {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	out := null
	if logFile != nil {
		out = logFile
	}
	for fd, f := range []*os.File{null, out, out} {
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			return err
		}
	}
	return nil
}

// precheckMount runs, in the order the mount paths do, the checks that
// need no network, so that the parent reports command-line mistakes
// itself (exit 2 with the usage hint) before it starts a child.
func precheckMount(c *cli.Context) error {
	src, mp, err := precheckSource(c)
	if err != nil {
		return err
	}
	if _, err := fsConfig(c, src); err != nil {
		return usageErrorf("mount", "%v", err)
	}
	if _, err := mountpointOf(c, mp); err != nil {
		return err
	}
	if err := checkMetricsAddr(c.String(flagMetricsAddr)); err != nil {
		return err
	}
	if p := c.String(flagLogFile); p != "" {
		f, err := openLogFile(p)
		if err != nil {
			return err
		}
		f.Close()
	}
	return nil
}

// precheckSource checks the arguments, the log flags and the source (or
// the connectors file) and returns the source and the mountpoint.
func precheckSource(c *cli.Context) (vfs.Source, string, error) {
	if c.IsSet(flagConnectors) {
		mp, err := connectorsMountArgs(c)
		if err != nil {
			return vfs.Source{}, "", err
		}
		if _, err := logOptionsFrom(c); err != nil {
			return vfs.Source{}, "", usageErrorf("mount", "%v", err)
		}
		file, err := loadConnectors(c.String(flagConnectors), c.App.ErrWriter)
		if err != nil {
			return vfs.Source{}, "", err
		}
		if _, err := resolveAll(file, os.Getenv); err != nil {
			return vfs.Source{}, "", err
		}
		src, err := vfs.ParseSource("s3://")
		return src, mp, err
	}
	srcArg, mp, err := mountArgs(c.Args().Slice())
	if err != nil {
		return vfs.Source{}, "", err
	}
	if _, err := logOptionsFrom(c); err != nil {
		return vfs.Source{}, "", usageErrorf("mount", "%v", err)
	}
	src, err := vfs.ParseSource(srcArg)
	if err != nil {
		return vfs.Source{}, "", usageErrorf("mount", "%v", err)
	}
	return src, mp, nil
}
