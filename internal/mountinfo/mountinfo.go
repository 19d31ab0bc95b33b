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
	Source     string // the field after FSType: what is mounted (FUSE's fsname)
	// SuperOptions are the per-superblock options (the last field), e.g.
	// "rw,user_id=1000,group_id=1000" for FUSE.
	SuperOptions string
}

// Find returns the last (topmost) mount on mountpoint in the table r,
// and whether there is one. mountpoint must be clean and absolute, as
// the kernel lists it.
func Find(r io.Reader, mountpoint string) (Mount, bool, error) {
	all, err := All(r)
	if err != nil {
		return Mount{}, false, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].MountPoint == mountpoint {
			return all[i], true, nil
		}
	}
	return Mount{}, false, nil
}

// All returns every mount of the table r, in its order.
func All(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // lines with long options
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		m := Mount{Device: f[2], MountPoint: Unescape(f[4]), Options: f[5]}
		m.FSType, m.Source, m.SuperOptions = afterSeparator(f[6:])
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the mount table: %w", err)
	}
	return out, nil
}

// afterSeparator returns the three fields after the "-" that ends the
// optional fields: file system type, source and super options.
func afterSeparator(rest []string) (fsType, source, superOpts string) {
	for i, f := range rest {
		if f == "-" {
			get := func(j int) string {
				if i+j < len(rest) {
					return Unescape(rest[i+j])
				}
				return ""
			}
			return get(1), get(2), get(3)
		}
	}
	return "", "", ""
}

// AllFile is All on the table in file (such as Self).
func AllFile(file string) ([]Mount, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return All(f)
}

// Option returns the value of name=VALUE in a comma-separated option
// list, and whether it is there.
func Option(opts, name string) (string, bool) {
	for _, o := range strings.Split(opts, ",") {
		if k, v, ok := strings.Cut(o, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
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
