//go:build linux

package integration

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	Point  string // mountpoint, unescaped
	FSType string // e.g. fuse.objfs
	Source string
}

// mountTable reads /proc/self/mountinfo.
func mountTable() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if e, ok := parseMountInfo(sc.Text()); ok {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// parseMountInfo parses "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE
// SOURCE SUPEROPTS" (proc(5)).
func parseMountInfo(line string) (mountEntry, bool) {
	fields := strings.Fields(line)
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if len(fields) < 5 || sep < 0 || sep+2 >= len(fields) {
		return mountEntry{}, false
	}
	return mountEntry{
		Point:  unescapeOctal(fields[4]),
		FSType: fields[sep+1],
		Source: unescapeOctal(fields[sep+2]),
	}, true
}

// unescapeOctal undoes the kernel's \ooo escapes (space, tab, newline, \).
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fuseMountAt returns the file system type of the FUSE mount at dir, if
// there is one.
func fuseMountAt(dir string) (string, bool, error) {
	table, err := mountTable()
	if err != nil {
		return "", false, err
	}
	fstype, found := "", false
	for _, e := range table { // the last entry for a point is the top one
		if e.Point == dir {
			fstype, found = e.FSType, true
		}
	}
	if found && (fstype == "fuse" || strings.HasPrefix(fstype, "fuse.")) {
		return fstype, true, nil
	}
	return fstype, false, nil
}

// mountedAt reports whether anything is mounted at dir.
func mountedAt(dir string) bool {
	table, _ := mountTable()
	for _, e := range table {
		if e.Point == dir {
			return true
		}
	}
	return false
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
