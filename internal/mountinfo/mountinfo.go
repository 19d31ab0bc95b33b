// Package mountinfo reads the kernel's mount table (/proc/PID/mountinfo,
// proc(5)): which mounts a mount point has and their device numbers. It
// is the one parser of that format for the CLI (umount, refusing a
// mounted mountpoint), fs (the kernel readahead of a mount's backing
// device), the integration tests and the bench. It holds no state.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Self is the mount table of the calling process's mount namespace.
const Self = "/proc/self/mountinfo"

// Mount is one line of the table.
type Mount struct {
	Device     string // MAJOR:MINOR (field 3)
	MountPoint string // unescaped (field 5)
	Options    string // per-mount options (field 6), e.g. "rw,nosuid,nodev"
	FSType     string // the first field after the "-" separator, e.g. "fuse.objfs"
}

// Find returns the last (topmost) mount on mountpoint in the table r,
// and whether there is one. mountpoint must be clean and absolute, as
// the kernel lists it.
func Find(r io.Reader, mountpoint string) (Mount, bool, error) {
	var found Mount
	ok := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // lines with long options
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		if mp := Unescape(f[4]); mp == mountpoint {
			found, ok = Mount{Device: f[2], MountPoint: mp, Options: f[5], FSType: fsType(f[6:])}, true
		}
	}
	if err := sc.Err(); err != nil {
		return Mount{}, false, fmt.Errorf("reading the mount table: %w", err)
	}
	return found, ok, nil
}

// fsType returns the field after the "-" that ends the optional fields.
func fsType(rest []string) string {
	for i, f := range rest {
		if f == "-" && i+1 < len(rest) {
			return Unescape(rest[i+1])
		}
	}
	return ""
}

// FindFile is Find on the table in file (such as Self).
func FindFile(file, mountpoint string) (Mount, bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return Mount{}, false, err
	}
	defer f.Close()
	return Find(f, mountpoint)
}

// Unescape undoes the kernel's \ooo octal escapes of space, tab, newline
// and backslash in a mountinfo field.
func Unescape(s string) string {
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
