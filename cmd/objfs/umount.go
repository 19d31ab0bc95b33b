package main

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/internal/mountinfo"
)

const flagLazy = "lazy"

// How `objfs umount` waits for the daemon of the mount to exit.
const (
	umountProgressEvery = 5 * time.Second
	umountWaitMax       = 30 * time.Minute
	lazyProgressEvery   = 2 * time.Second
)

// followUploads reports, after a lazy unmount, the uploads the daemon
// (pid) of mountpoint still has pending, every `every`, until there are
// none or the daemon exits. When its status socket does not answer it
// says where the daemon logs instead.
func followUploads(w io.Writer, mountpoint string, owner, pid int, every time.Duration) {
	r, err := readStatus(mountpoint, owner)
	if err != nil {
		fmt.Fprintf(w, "objfs: detached; objfs (pid %d) uploads what is pending and logs its progress (to syslog or its --log-file)\n", pid)
		return
	}
	if r.Uploads.Files == 0 {
		return
	}
	fmt.Fprintf(w, "objfs: detached; objfs (pid %d) uploads what is pending and logs to %s (Ctrl-C stops this report, not the uploads)\n", pid, r.Log)
	for {
		fmt.Fprintf(w, "objfs: %s pending\n", pendingText(r.Uploads))
		time.Sleep(every)
		if r, err = readStatus(mountpoint, owner); err != nil || !isObjfs(pid) {
			fmt.Fprintf(w, "objfs: objfs (pid %d) has finished uploading (its log tells of any failure)\n", pid)
			return
		}
		if r.Uploads.Files == 0 {
			fmt.Fprintln(w, "objfs: uploads done")
			return
		}
	}
}

func umountCommand() *cli.Command {
	return &cli.Command{
		Name:         "umount",
		Aliases:      []string{"unmount"},
		Usage:        "unmount an objfs mount",
		ArgsUsage:    "MOUNTPOINT",
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagLazy, Aliases: []string{"z"}, Usage: "detach now even if busy; the mount goes away when its last file is closed"},
		},
		Action: func(c *cli.Context) error {
			path, err := umountArgs(c.Args().Slice())
			if err != nil {
				return err
			}
			pid, serving := servingPID(path) // daemon_pidfile.go
			owner := -1
			if m, ok, err := mountinfo.FindFile(mountinfo.Self, path); err == nil && ok {
				owner = ownerOf(m)
			}
			unmark := func() {}
			if serving {
				unmark = markUmount(path, pid) // the daemon logs who unmounted it
			}
			if err := newUnmounter().Unmount(path, c.Bool(flagLazy)); err != nil {
				unmark()
				return err
			}
			if !serving {
				return nil
			}
			if c.Bool(flagLazy) {
				// The daemon goes on serving open files and uploading;
				// show that until nothing is pending.
				followUploads(c.App.ErrWriter, path, owner, pid, lazyProgressEvery)
				return nil
			}
			// Return once the daemon has flushed and let go of its cache.
			return waitExit(pid, c.App.ErrWriter, umountProgressEvery, umountWaitMax)
		},
	}
}

// umountArgs checks the arguments of `objfs umount` and returns the
// mountpoint as an absolute, cleaned path.
func umountArgs(args []string) (string, error) {
	if len(args) != 1 {
		return "", usageErrorf("umount", "umount takes exactly one argument, MOUNTPOINT (got %d)", len(args))
	}
	if args[0] == "" {
		return "", usageErrorf("umount", "MOUNTPOINT is empty")
	}
	return canonicalPath(args[0])
}

// canonicalPath makes p absolute and resolves symlinks where it can. It
// never fails on a dead mount: resolving stops at the first error.
func canonicalPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("mountpoint %s: %w", p, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}

// unmounter unmounts FUSE mounts with the platform's tools. Its functions
// are fields so that tests can drive every branch without a mount.
type unmounter struct {
	tools      []string                                         // helpers tried in order, e.g. fusermount3, fusermount
	lookPath   func(file string) (string, error)                // exec.LookPath
	run        func(bin string, args ...string) ([]byte, error) // combined output
	sysUnmount func(path string, lazy bool) error               // umount(2); nil when not permitted
	mounted    func(path string) (bool, error)                  // nil when the platform cannot tell
}

// errNotMounted reports that there is nothing to unmount.
var errNotMounted = errors.New("not mounted")

// Unmount unmounts path. A dead mount ("transport endpoint is not
// connected") is detached lazily; lazy forces that from the start.
func (u *unmounter) Unmount(path string, lazy bool) error {
	if u.mounted != nil {
		if ok, err := u.mounted(path); err == nil && !ok {
			return fmt.Errorf("%s is not mounted", path)
		}
	}
	err := u.unmountOnce(path, lazy)
	if errors.Is(err, syscall.ENOTCONN) && !lazy {
		err = u.unmountOnce(path, true)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotMounted):
		return fmt.Errorf("%s is not mounted", path)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("cannot unmount %s: it is busy (a process has a file or its working directory there); close them or use 'objfs umount --lazy %s'", path, path)
	}
	return fmt.Errorf("cannot unmount %s: %w", path, err)
}

// unmountOnce makes one attempt with the first helper found, or umount(2).
func (u *unmounter) unmountOnce(path string, lazy bool) error {
	for _, tool := range u.tools {
		bin, err := u.lookPath(tool)
		if err != nil {
			continue
		}
		args := []string{"-u"}
		if lazy {
			args = append(args, "-z")
		}
		out, err := u.run(bin, append(args, path)...)
		return classifyUnmountOutput(string(out), err)
	}
	if u.sysUnmount != nil {
		return u.sysUnmount(path, lazy)
	}
	return fmt.Errorf("no unmount helper found (%s): install fuse3", strings.Join(u.tools, ", "))
}

// classifyUnmountOutput maps fusermount's messages to errnos so that
// Unmount can react to them; anything else keeps the tool's own words.
func classifyUnmountOutput(out string, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.ToLower(out)
	switch {
	case strings.Contains(msg, "not connected"):
		return syscall.ENOTCONN
	case strings.Contains(msg, "busy"):
		return syscall.EBUSY
	case strings.Contains(msg, "not found in"), strings.Contains(msg, "not mounted"), strings.Contains(msg, "invalid argument"):
		return errNotMounted
	}
	if s := oneLine(out); s != "" {
		return errors.New(s)
	}
	return err
}

// sysUnmountErr maps umount(2) errnos onto the same classes.
func sysUnmountErr(err error) error {
	if errors.Is(err, syscall.EINVAL) {
		return errNotMounted
	}
	return err
}

// runCombined runs bin and returns its combined output.
func runCombined(bin string, args ...string) ([]byte, error) {
	return exec.Command(bin, args...).CombinedOutput()
}
