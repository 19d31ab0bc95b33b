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

// mountDirPrefix names the temporary directories holding mountpoints.
const mountDirPrefix = "objfs-it-mnt-"

// sweepStaleMounts lazily unmounts FUSE mounts left under our temporary
// directories by a crashed earlier run: those whose server is gone, so that
// stat gives ENOTCONN. Live mounts (other test runs) are left alone.
func sweepStaleMounts() {
	table, err := mountTable()
	if err != nil {
		return
	}
	tmp := os.TempDir()
	if resolved, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = resolved
	}
	for _, e := range table {
		rel, err := filepath.Rel(tmp, e.Point)
		if err != nil || !strings.HasPrefix(rel, mountDirPrefix) || !strings.HasPrefix(e.FSType, "fuse") {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Stat(e.Point, &st); errors.Is(err, syscall.ENOTCONN) {
			exec.Command("fusermount3", "-u", "-z", e.Point).Run()
		}
	}
}
