package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// newUnmounter uses fusermount3, then fusermount; root may also use
// umount(2) directly when neither is installed.
func newUnmounter() *unmounter {
	u := &unmounter{
		tools:    []string{"fusermount3", "fusermount"},
		lookPath: exec.LookPath,
		run:      runCombined,
		mounted:  mountedFromMountinfo("/proc/self/mountinfo"),
	}
	if os.Geteuid() == 0 {
		u.sysUnmount = func(path string, lazy bool) error {
			flags := 0
			if lazy {
				flags = syscall.MNT_DETACH
			}
			return sysUnmountErr(syscall.Unmount(path, flags))
		}
	}
	return u
}

// mountedFromMountinfo reports whether path is a mount point listed in the
// given mountinfo file.
func mountedFromMountinfo(file string) func(string) (bool, error) {
	return func(path string) (bool, error) {
		f, err := os.Open(file)
		if err != nil {
			return false, err
		}
		defer f.Close()
		return mountinfoHas(f, path)
	}
}

// mountinfoHas scans a /proc/PID/mountinfo listing for mount point path.
func mountinfoHas(r io.Reader, path string) (bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		if unescapeMountinfo(fields[4]) == path {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("reading mount table: %w", err)
	}
	return false, nil
}

// unescapeMountinfo decodes the \ooo octal escapes the kernel uses for
// space, tab, newline and backslash in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
