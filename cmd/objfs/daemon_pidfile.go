package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A serving objfs records its pid in a file named after its mountpoint,
// so that `objfs umount` can wait, after unmounting, until the process
// has flushed what is pending, released its cache directory and exited:
// a new mount right after finds nothing in its way. The file lives in
// $XDG_RUNTIME_DIR/objfs, else /run/objfs for root, else
// $TMPDIR/objfs-UID, and is removed when the process stops serving.

// pidFilePath is the pid file of the mount at mountpoint (absolute).
func pidFilePath(mountpoint string) string {
	return mountFile(runtimeDir(), mountpoint, ".pid")
}

// mountFile is the file with extension ext kept in dir for the mount at
// mountpoint (absolute): named after the first 12 bytes of the SHA-256 of
// the mountpoint, in hex. The pid file, the umount mark and the status
// socket share the name.
func mountFile(dir, mountpoint, ext string) string {
	sum := sha256.Sum256([]byte(mountpoint))
	return filepath.Join(dir, hex.EncodeToString(sum[:12])+ext)
}

func runtimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "objfs")
	}
	if os.Geteuid() == 0 {
		return "/run/objfs"
	}
	return filepath.Join(os.TempDir(), "objfs-"+strconv.Itoa(os.Geteuid()))
}

// writePidFile records this process as serving mountpoint and returns the
// function that removes the record (if it is still ours).
func writePidFile(mountpoint string) (func(), error) {
	path := pidFilePath(mountpoint)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return func() {}, err
	}
	content := fmt.Sprintf("%d\n%s\n", os.Getpid(), mountpoint)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return func() {}, err
	}
	return func() {
		if b, err := os.ReadFile(path); err == nil && string(b) == content {
			os.Remove(path)
		}
	}, nil
}

// servingPID returns the pid of the live objfs serving mountpoint, if its
// record names one: a record left by a killed process (its pid gone, or
// reused by another program) is removed.
func servingPID(mountpoint string) (int, bool) {
	path := pidFilePath(mountpoint)
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pidLine, mp, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	pid, err := strconv.Atoi(pidLine)
	if err != nil || mp != mountpoint || !isObjfs(pid) {
		os.Remove(path)
		return 0, false
	}
	return pid, true
}

// isObjfs reports whether pid is alive and, where the platform tells
// (Linux), runs this same program.
func isObjfs(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if runtime.GOOS != "linux" {
		return true
	}
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	self, serr := os.Executable()
	return err == nil && serr == nil && exe == self
}

// waitExit waits until pid has exited, telling w every `every` that it is
// still waiting, for at most max.
func waitExit(pid int, w io.Writer, every, max time.Duration) error {
	start := time.Now()
	next := start.Add(every)
	for isObjfs(pid) {
		now := time.Now()
		if now.Sub(start) > max {
			return fmt.Errorf("objfs (pid %d) has not exited %v after its unmount", pid, max)
		}
		if now.After(next) {
			fmt.Fprintf(w, "objfs: waiting for objfs (pid %d) to finish uploading and exit (%v so far)\n", pid, now.Sub(start).Round(time.Second))
			next = now.Add(every)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// `objfs umount` leaves a mark next to the pid file before it unmounts,
// so that the daemon, seeing its mount end, can tell that unmount from
// one made outside objfs (umount, fusermount -u) and log it as what it
// is. The mark names the daemon's pid; only that daemon takes it.

// umountMarkPath is the mark for the mount at mountpoint.
func umountMarkPath(mountpoint string) string {
	return mountFile(runtimeDir(), mountpoint, ".umount")
}

// markUmount records that `objfs umount` is unmounting the mount served
// by pid, and returns the function that removes the mark (when the
// unmount failed).
func markUmount(mountpoint string, pid int) func() {
	path := umountMarkPath(mountpoint)
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		return func() {}
	}
	return func() { os.Remove(path) }
}

// takeUmountMark reports whether `objfs umount` marked the mount at
// mountpoint for this process, removing the mark.
func takeUmountMark(mountpoint string) bool {
	path := umountMarkPath(mountpoint)
	b, err := os.ReadFile(path)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		return false
	}
	os.Remove(path)
	return true
}
