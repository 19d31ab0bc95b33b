//go:build linux

package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/objfs/objfs/internal/mountinfo"
)

// fuseMountAt returns the file system type of the mount at dir, and
// whether it is a FUSE mount.
func fuseMountAt(dir string) (string, bool, error) {
	m, found, err := mountinfo.FindFile(mountinfo.Self, dir)
	if err != nil || !found {
		return "", false, err
	}
	return m.FSType, m.FSType == "fuse" || strings.HasPrefix(m.FSType, "fuse."), nil
}

// mountedAt reports whether anything is mounted at dir.
func mountedAt(dir string) bool {
	_, found, _ := mountinfo.FindFile(mountinfo.Self, dir)
	return found
}

// Prefixes of this package's temporary directories: mountpoints (with the
// mount log) and the built binary.
const (
	mountDirPrefix = "objfs-it-mnt-"
	binDirPrefix   = "objfs-it-bin-"
	ownerFile      = "owner.pid" // pid of the test binary that made the directory
)

// makeOwnedTemp makes a temporary directory (symlinks resolved) that
// records this process as its owner, for sweepStale.
func makeOwnedTemp(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600)
}

// sweepStale cleans up after crashed earlier runs: it lazily unmounts our
// FUSE mounts whose server is gone (stat gives ENOTCONN), and removes our
// temporary directories whose owning test binary has exited. Live mounts
// and directories of running tests (other packages, other engineers) are
// left alone, and nothing is removed recursively below a mountpoint.
func sweepStale() {
	tmp := os.TempDir()
	if resolved, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = resolved
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "objfs-it-*"))
	for _, d := range dirs {
		mnt := filepath.Join(d, "mnt")
		var st syscall.Stat_t
		if err := syscall.Stat(mnt, &st); errors.Is(err, syscall.ENOTCONN) {
			exec.Command("fusermount3", "-u", "-z", mnt).Run()
		}
		if !ownerGone(d) || mountedAt(mnt) {
			continue
		}
		for _, f := range []string{"objfs.log", "aws-config", "objfs", ownerFile} {
			os.Remove(filepath.Join(d, f))
		}
		os.Remove(mnt)
		os.Remove(d)
	}
}

// ownerGone reports whether dir records an owner process that has exited.
func ownerGone(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}
