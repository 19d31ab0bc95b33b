//go:build linux

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
	"golang.org/x/sys/unix"
)

// The POSIX table (issue #12 item 4): each row is one system call on a
// fixed fixture, run on the mount (real binary, kernel FUSE, MinIO) and on
// a local directory (ext4 here), so that POSIX's answer is measured, not
// typed. An answer is the errno (or ok and what the call returned), the
// attributes the call changed on the paths a row watches (size, mode,
// owner, and mtime/ctime moved forward "+" or back "-"), and what changed
// in the case's tree. objfs must answer as the local file system does,
// unless the row says why it differs (differs, with objfs's answer typed
// in objfs); each reason is in README's Semantics.

// Every case runs in its own directory cNNN holding:
//
//	f  file "data" 0644      g  file "gggg" 0644
//	d/ empty directory       e/ empty directory
//	n/ directory with n/x    l -> f    ld -> d    dl -> nowhere
var posixFixture = []func(c string) error{
	func(c string) error { return os.WriteFile(c+"/f", []byte("data"), 0o644) },
	func(c string) error { return os.WriteFile(c+"/g", []byte("gggg"), 0o644) },
	func(c string) error { return unix.Mkdir(c+"/d", 0o755) },
	func(c string) error { return unix.Mkdir(c+"/e", 0o755) },
	func(c string) error { return unix.Mkdir(c+"/n", 0o755) },
	func(c string) error { return os.WriteFile(c+"/n/x", []byte("x"), 0o644) },
	func(c string) error { return unix.Symlink("f", c+"/l") },
	func(c string) error { return unix.Symlink("d", c+"/ld") },
	func(c string) error { return unix.Symlink("nowhere", c+"/dl") },
}

// posixRow is one case of the table.
type posixRow struct {
	call    string                         // the call as a reader would write it
	setup   func(c string) error           // more fixture, on both sides
	do      func(c string) (string, error) // the call, in case directory c
	watch   []string                       // paths whose attributes are compared; "a>b": a before, b after
	differs string                         // why objfs answers otherwise (README, Semantics)
	objfs   string                         // objfs's answer, when it differs
}

// Reasons objfs differs, each documented in README's Semantics.
const (
	whyDirTimes   = "directory times are not stored: a directory shows the mount time (Names and directories)"
	whyCtime      = "ctime always equals mtime: S3 stores no change time (Attributes)"
	whyMinIOMark  = "MinIO cannot store the marker of a directory of 247-255 bytes (Names and directories)"
	whyMinIOLink  = "MinIO refuses a link name over 244 bytes, NAME.rclonelink (Names and directories)"
	whyKeyLimit   = "a key over S3's 1024 bytes is ENAMETOOLONG (Names and directories)"
	whyLinkKey    = "a link's key is NAME.rclonelink, 11 bytes more, and may not pass 1024 bytes either (Names and directories)"
	whyFiveTiB    = "a size past S3's 5 TiB is EFBIG at once (Writing)"
	whyRcloneLink = "*.rclonelink names are links: creating one is EINVAL (Names and directories)"
	whyLchown     = "chown -h is accepted and changes nothing; a link's owner is the mount's (Names and directories)"
	whyExchange   = "RENAME_EXCHANGE is EINVAL (Writing)"
)

// Path helpers: paths are joined by hand, since a trailing slash matters.
var (
	name255 = strings.Repeat("a", 255)
	name256 = strings.Repeat("a", 256)
	name244 = strings.Repeat("s", 244)
	name245 = strings.Repeat("s", 245)
)

// posixKeyPrefix is the length of "cNNN/", what a case's paths add to
// their key on the mount (mounted at the bucket's root).
const posixKeyPrefix = len("c000/")

// deepPath returns a path whose key on the mount is keyLen bytes, and the
// directories to create first.
func deepPath(keyLen int) (dirs []string, rel string) {
	want := keyLen - posixKeyPrefix
	for want-len(rel) > 255 {
		rel += strings.Repeat("p", 200)
		dirs = append(dirs, rel)
		rel += "/"
	}
	return dirs, rel + strings.Repeat("q", want-len(rel))
}

func mkdirs(dirs []string) func(c string) error {
	return func(c string) error {
		for _, d := range dirs {
			if err := eintr(func() error { return unix.Mkdir(c+"/"+d, 0o755) }); err != nil {
				return fmt.Errorf("mkdir %s: %w", shorten(d), err)
			}
		}
		return nil
	}
}

func eintr(fn func() error) error { return retryEINTR(fn) }

func createEmpty(rel string) func(c string) error {
	return func(c string) error { return os.WriteFile(c+"/"+rel, nil, 0o644) }
}

func createFile(rel string) func(c string) error {
	return func(c string) error { return os.WriteFile(c+"/"+rel, []byte("z"), 0o644) }
}

// openClose opens (and closes) c/rel with flags and mode 0640, writing
// data first when not empty; close's error counts (objfs uploads there).
func openClose(rel string, flags int, data string) func(c string) (string, error) {
	return func(c string) (string, error) {
		var fd int
		err := eintr(func() (err error) { fd, err = unix.Open(c+"/"+rel, flags|unix.O_CLOEXEC, 0o640); return err })
		if err != nil {
			return "", err
		}
		if data != "" {
			_, err = unix.Write(fd, []byte(data))
		}
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
		return "", err
	}
}

func pathCall(fn func(p string) error, rel string) func(c string) (string, error) {
	return func(c string) (string, error) { return "", eintr(func() error { return fn(c + "/" + rel) }) }
}

func renameCall(from, to string, flags uint) func(c string) (string, error) {
	return func(c string) (string, error) {
		return "", eintr(func() error { return unix.Renameat2(unix.AT_FDCWD, c+"/"+from, unix.AT_FDCWD, c+"/"+to, flags) })
	}
}

func ftruncateCall(rel string, flags int, size int64) func(c string) (string, error) {
	return func(c string) (string, error) {
		var fd int
		err := eintr(func() (err error) { fd, err = unix.Open(c+"/"+rel, flags|unix.O_CLOEXEC, 0); return err })
		if err != nil {
			return "(at open)", err
		}
		err = eintr(func() error { return unix.Ftruncate(fd, size) })
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
		return "", err
	}
}

var past = unix.Timespec{Sec: 946729230, Nsec: 123456789} // 2000-01-01 12:20:30.123456789

func utimensCall(rel string, atime, mtime unix.Timespec, flags int) func(c string) (string, error) {
	return func(c string) (string, error) {
		err := eintr(func() error {
			return unix.UtimesNanoAt(unix.AT_FDCWD, c+"/"+rel, []unix.Timespec{atime, mtime}, flags)
		})
		if err != nil || mtime.Nsec == unix.UTIME_NOW || mtime.Nsec == unix.UTIME_OMIT {
			return "", err
		}
		var st unix.Stat_t
		if err := unix.Lstat(c+"/"+rel, &st); err != nil {
			return "", err
		}
		return fmt.Sprintf("mtime=set:%v", st.Mtim == mtime), nil
	}
}

func readlinkCall(rel string) func(c string) (string, error) {
	return func(c string) (string, error) {
		buf := make([]byte, 8192)
		var n int
		err := eintr(func() (err error) { n, err = unix.Readlink(c+"/"+rel, buf); return err })
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%q", shorten(string(buf[:n]))), nil
	}
}

// posixTable is the table. Rows on O_CREAT, names and keys come first.
func posixTable() []posixRow {
	rdonly, wronly, rdwr := unix.O_RDONLY, unix.O_WRONLY, unix.O_RDWR
	creat, excl, trunc, app := unix.O_CREAT, unix.O_EXCL, unix.O_TRUNC, unix.O_APPEND
	dir1024, key1024 := deepPath(1024)
	dir1025, key1025 := deepPath(1025)
	ddir1023, dkey1023 := deepPath(1023)
	ddir1024, dkey1024 := deepPath(1024)
	ldir1013, lkey1013 := deepPath(1013)
	ldir1014, lkey1014 := deepPath(1014)
	name246 := strings.Repeat("m", 246)
	long4095 := strings.Repeat("t", 4095)
	long4096 := strings.Repeat("t", 4096)
	rows := []posixRow{
		// open(2) on a file.
		{call: "open(f, O_RDONLY)", do: openClose("f", rdonly, ""), watch: []string{"f"}},
		{call: "open(f, O_WRONLY)", do: openClose("f", wronly, ""), watch: []string{"f"}},
		{call: "open(f, O_RDWR)", do: openClose("f", rdwr, ""), watch: []string{"f"}},
		{call: "open(f, O_WRONLY|O_TRUNC)", do: openClose("f", wronly|trunc, ""), watch: []string{"f", "."}},
		{call: "open(f, O_RDWR|O_TRUNC)", do: openClose("f", rdwr|trunc, ""), watch: []string{"f"}},
		{call: "open(f, O_RDONLY|O_TRUNC)", do: openClose("f", rdonly|trunc, ""), watch: []string{"f"}},
		{call: "open(f, O_WRONLY|O_APPEND); write xy", do: openClose("f", wronly|app, "xy"), watch: []string{"f"}},
		{call: "open(f, O_WRONLY); write xy", do: openClose("f", wronly, "xy"), watch: []string{"f"}},
		{call: "open(f, O_WRONLY|O_TRUNC); write xy", do: openClose("f", wronly|trunc, "xy"), watch: []string{"f"}},
		{call: "open(empty, O_WRONLY|O_TRUNC)", setup: createEmpty("empty"), do: openClose("empty", wronly|trunc, ""), watch: []string{"empty"}},
		{call: "open(f, O_RDONLY|O_APPEND)", do: openClose("f", rdonly|app, ""), watch: []string{"f"}},
		{call: "open(f, O_CREAT|O_WRONLY)", do: openClose("f", creat|wronly, ""), watch: []string{"f", "."}},
		{call: "open(f, O_CREAT|O_EXCL|O_WRONLY)", do: openClose("f", creat|excl|wronly, ""), watch: []string{"f"}},
		{call: "open(f, O_CREAT|O_TRUNC|O_WRONLY)", do: openClose("f", creat|trunc|wronly, ""), watch: []string{"f"}},
		{call: "open(f, O_CREAT|O_EXCL|O_TRUNC|O_RDWR)", do: openClose("f", creat|excl|trunc|rdwr, ""), watch: []string{"f"}},
		{call: "open(f, O_DIRECTORY)", do: openClose("f", rdonly|unix.O_DIRECTORY, "")},
		{call: "open(f/, O_RDONLY)", do: openClose("f/", rdonly, "")},
		{call: "open(f/x, O_RDONLY)", do: openClose("f/x", rdonly, "")},
		{call: "open(f/x, O_CREAT|O_WRONLY)", do: openClose("f/x", creat|wronly, "")},
		// open(2) of a new name.
		{call: "open(new, O_RDONLY)", do: openClose("new", rdonly, "")},
		{call: "open(new, O_WRONLY)", do: openClose("new", wronly, "")},
		{
			call: "open(new, O_CREAT|O_RDONLY)", do: openClose("new", creat|rdonly, ""), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{+new=f0640 0 \"\"}",
		},
		{
			call: "open(new, O_CREAT|O_WRONLY)", do: openClose("new", creat|wronly, ""), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{+new=f0640 0 \"\"}",
		},
		{
			call: "open(new, O_CREAT|O_EXCL|O_RDWR); write xy", do: openClose("new", creat|excl|rdwr, "xy"), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{+new=f0640 2 \"xy\"}",
		},
		{call: "open(new, O_CREAT|O_TRUNC|O_APPEND|O_WRONLY); write xy", do: openClose("new", creat|trunc|app|wronly, "xy")},
		{
			call: "open(d/new, O_CREAT|O_WRONLY)", do: openClose("d/new", creat|wronly, ""), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok d{} tree{+d/new=f0640 0 \"\"}",
		},
		{call: "open(new/, O_CREAT|O_WRONLY)", do: openClose("new/", creat|wronly, "")},
		{call: "open(missing/x, O_CREAT|O_WRONLY)", do: openClose("missing/x", creat|wronly, "")},
		{call: "open(missing/x, O_RDONLY)", do: openClose("missing/x", rdonly, "")},
		// open(2) of a directory.
		{call: "open(d, O_RDONLY)", do: openClose("d", rdonly, ""), watch: []string{"d"}},
		{call: "open(d, O_RDONLY|O_DIRECTORY)", do: openClose("d", rdonly|unix.O_DIRECTORY, "")},
		{call: "open(d, O_WRONLY)", do: openClose("d", wronly, "")},
		{call: "open(d, O_RDWR)", do: openClose("d", rdwr, "")},
		{call: "open(n, O_WRONLY|O_TRUNC)", do: openClose("n", wronly|trunc, "")},
		{call: "open(d, O_RDONLY|O_TRUNC)", do: openClose("d", rdonly|trunc, "")},
		{call: "open(d, O_CREAT|O_RDONLY)", do: openClose("d", creat|rdonly, "")},
		{call: "open(d, O_CREAT|O_WRONLY)", do: openClose("d", creat|wronly, "")},
		{call: "open(d, O_CREAT|O_EXCL|O_RDONLY)", do: openClose("d", creat|excl|rdonly, "")},
		{call: "open(d/, O_RDONLY)", do: openClose("d/", rdonly, "")},
		// open(2) through links.
		{call: "open(l, O_RDONLY)", do: openClose("l", rdonly, "")},
		{call: "open(l, O_WRONLY|O_TRUNC)", do: openClose("l", wronly|trunc, ""), watch: []string{"f", "l"}},
		{call: "open(l, O_RDONLY|O_NOFOLLOW)", do: openClose("l", rdonly|unix.O_NOFOLLOW, "")},
		{call: "open(l, O_CREAT|O_EXCL|O_WRONLY)", do: openClose("l", creat|excl|wronly, "")},
		{call: "open(ld/new, O_CREAT|O_WRONLY)", do: openClose("ld/new", creat|wronly, "")},
		{call: "open(dl, O_RDONLY)", do: openClose("dl", rdonly, "")},
		{call: "open(dl, O_CREAT|O_WRONLY)", do: openClose("dl", creat|wronly, "")},
		{call: "open(dl, O_CREAT|O_EXCL|O_WRONLY)", do: openClose("dl", creat|excl|wronly, "")},
		// Names and keys.
		{call: "open(name255, O_CREAT|O_WRONLY)", do: openClose(name255, creat|wronly, "")},
		{call: "open(name256, O_CREAT|O_WRONLY)", do: openClose(name256, creat|wronly, "")},
		{call: "open(name256, O_RDONLY)", do: openClose(name256, rdonly, "")},
		{call: "open(name250, O_RDONLY)", do: openClose(strings.Repeat("b", 250), rdonly, "")},
		{call: "open(key of 1024 bytes, O_CREAT|O_WRONLY)", setup: mkdirs(dir1024), do: openClose(key1024, creat|wronly, "")},
		{
			call: "open(key of 1025 bytes, O_CREAT|O_WRONLY)", setup: mkdirs(dir1025), do: openClose(key1025, creat|wronly, ""),
			differs: whyKeyLimit, objfs: "ENAMETOOLONG",
		},

		// unlink(2).
		{
			call: "unlink(f)", do: pathCall(unix.Unlink, "f"), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{-f}",
		},
		{
			call: "unlink(n/x)", do: pathCall(unix.Unlink, "n/x"), watch: []string{"n"},
			differs: whyDirTimes, objfs: "ok n{} tree{-n/x}",
		},
		{call: "unlink(d)", do: pathCall(unix.Unlink, "d")},
		{call: "unlink(missing)", do: pathCall(unix.Unlink, "missing")},
		{call: "unlink(f/x)", do: pathCall(unix.Unlink, "f/x")},
		{call: "unlink(f/)", do: pathCall(unix.Unlink, "f/")},
		{call: "unlink(l)", do: pathCall(unix.Unlink, "l"), watch: []string{"f"}},
		{call: "unlink(ld)", do: pathCall(unix.Unlink, "ld")},
		{call: "unlink(name256)", do: pathCall(unix.Unlink, name256)},
		{call: "unlink(name255)", setup: createFile(name255), do: pathCall(unix.Unlink, name255)},
		{call: "unlink(missing/x)", do: pathCall(unix.Unlink, "missing/x")},
		{call: "unlink(name250)", do: pathCall(unix.Unlink, strings.Repeat("b", 250))},

		// rename(2) of a file.
		{
			call: "rename(f, new)", do: renameCall("f", "new", 0), watch: []string{"f>new", "."},
			differs: whyCtime + "; " + whyDirTimes, objfs: "ok new{} .{} tree{+new=f0644 4 \"data\" -f}",
		},
		{
			call: "rename(f, d/new)", do: renameCall("f", "d/new", 0), watch: []string{"f>d/new", "d"},
			differs: whyCtime + "; " + whyDirTimes, objfs: "ok d/new{} d{} tree{+d/new=f0644 4 \"data\" -f}",
		},
		{call: "rename(f, f)", do: renameCall("f", "f", 0), watch: []string{"f"}},
		{
			call: "rename(f, g)", do: renameCall("f", "g", 0), watch: []string{"f>g"},
			differs: whyCtime, objfs: "ok g{} tree{-f ~g=f0644 4 \"data\"}",
		},
		{call: "rename(f, d)", do: renameCall("f", "d", 0)},
		{call: "rename(f, n)", do: renameCall("f", "n", 0)},
		{call: "rename(f, l)", do: renameCall("f", "l", 0)},
		{call: "rename(l, g)", do: renameCall("l", "g", 0)},
		{call: "rename(f, f/x)", do: renameCall("f", "f/x", 0)},
		{call: "rename(f, new/)", do: renameCall("f", "new/", 0)},
		{call: "rename(f/, new)", do: renameCall("f/", "new", 0)},
		{call: "rename(f, missing/x)", do: renameCall("f", "missing/x", 0)},
		{call: "rename(missing, new)", do: renameCall("missing", "new", 0)},
		{call: "rename(missing, f/x)", do: renameCall("missing", "f/x", 0)},
		{call: "rename(f/x, missing/y)", do: renameCall("f/x", "missing/y", 0)},
		{call: "rename(missing/x, f/y)", do: renameCall("missing/x", "f/y", 0)},
		{call: "rename(name255, new)", setup: createFile(name255), do: renameCall(name255, "new", 0)},
		{call: "rename(f, name255)", do: renameCall("f", name255, 0)},
		{call: "rename(f, name256)", do: renameCall("f", name256, 0)},
		{call: "rename(name256, new)", do: renameCall(name256, "new", 0)},
		{call: "rename(f, key of 1024 bytes)", setup: mkdirs(dir1024), do: renameCall("f", key1024, 0)},
		{
			call: "rename(f, key of 1025 bytes)", setup: mkdirs(dir1025), do: renameCall("f", key1025, 0),
			differs: whyKeyLimit, objfs: "ENAMETOOLONG",
		},
		{
			call: "rename(f, new.rclonelink)", do: renameCall("f", "new.rclonelink", 0),
			differs: whyRcloneLink, objfs: "EINVAL",
		},
		{call: "renameat2(f, g, RENAME_NOREPLACE)", do: renameCall("f", "g", unix.RENAME_NOREPLACE)},
		{call: "renameat2(f, new, RENAME_NOREPLACE)", do: renameCall("f", "new", unix.RENAME_NOREPLACE)},
		{
			call: "renameat2(f, g, RENAME_EXCHANGE)", do: renameCall("f", "g", unix.RENAME_EXCHANGE),
			differs: whyExchange, objfs: "EINVAL",
		},
		// rename(2) of a directory.
		{
			call: "rename(d, new)", do: renameCall("d", "new", 0), watch: []string{"d>new", "."},
			differs: whyDirTimes, objfs: "ok new{} .{} tree{+new=d0755 -d}",
		},
		{call: "rename(n, new)", do: renameCall("n", "new", 0)},
		{call: "rename(n, d/new)", do: renameCall("n", "d/new", 0)},
		{call: "rename(d, d)", do: renameCall("d", "d", 0)},
		{call: "rename(d, e)", do: renameCall("d", "e", 0)},
		{call: "rename(n, e)", do: renameCall("n", "e", 0)},
		{call: "rename(d, n)", do: renameCall("d", "n", 0)},
		{call: "rename(d, f)", do: renameCall("d", "f", 0)},
		{call: "rename(d, l)", do: renameCall("d", "l", 0)},
		{call: "rename(d, d/sub)", do: renameCall("d", "d/sub", 0)},
		{call: "rename(n, n/x/y)", do: renameCall("n", "n/x/y", 0)},
		{call: "rename(d/, new/)", do: renameCall("d/", "new/", 0)},
		{call: "rename(d, n/x)", do: renameCall("d", "n/x", 0)},
		{call: "rename(d/., new)", do: renameCall("d/.", "new", 0)},
		{call: "rename(ld, new)", do: renameCall("ld", "new", 0)},
		{call: "rename(n, new.rclonelink)", do: renameCall("n", "new.rclonelink", 0)},

		// mkdir(2).
		{
			call: "mkdir(new, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "new"), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{+new=d0755}",
		},
		{call: "mkdir(new, 0700)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o700) }, "new")},
		{call: "mkdir(new.rclonelink, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "new.rclonelink")},
		{call: "mkdir(new/, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "new/")},
		{
			call: "mkdir(d/new, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "d/new"), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok d{} tree{+d/new=d0755}",
		},
		{call: "mkdir(f, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "f")},
		{call: "mkdir(d, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "d")},
		{call: "mkdir(l, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "l")},
		{call: "mkdir(dl, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "dl")},
		{call: "mkdir(missing/x, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "missing/x")},
		{call: "mkdir(f/x, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "f/x")},
		{call: "mkdir(missing/x/y, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "missing/x/y")},
		{call: "mkdir(f/x/y, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, "f/x/y")},
		{call: "mkdir(name246, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, name246)},
		{
			call: "mkdir(name255, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, name255),
			differs: whyMinIOMark, objfs: "ENAMETOOLONG",
		},
		{call: "mkdir(name256, 0755)", do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, name256)},
		{call: "mkdir(key of 1023 bytes)", setup: mkdirs(ddir1023), do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, dkey1023)},
		{
			call: "mkdir(key of 1024 bytes)", setup: mkdirs(ddir1024), do: pathCall(func(p string) error { return unix.Mkdir(p, 0o755) }, dkey1024),
			differs: whyKeyLimit, objfs: "ENAMETOOLONG",
		},

		// rmdir(2).
		{
			call: "rmdir(d)", do: pathCall(unix.Rmdir, "d"), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{-d}",
		},
		{call: "rmdir(n)", do: pathCall(unix.Rmdir, "n")},
		{call: "rmdir(f)", do: pathCall(unix.Rmdir, "f")},
		{call: "rmdir(missing)", do: pathCall(unix.Rmdir, "missing")},
		{call: "rmdir(f/x)", do: pathCall(unix.Rmdir, "f/x")},
		{call: "rmdir(ld)", do: pathCall(unix.Rmdir, "ld")},
		{call: "rmdir(d/.)", do: pathCall(unix.Rmdir, "d/.")},
		{call: "rmdir(d/..)", do: pathCall(unix.Rmdir, "d/..")},
		{call: "rmdir(d/)", do: pathCall(unix.Rmdir, "d/")},
		{call: "rmdir(name256)", do: pathCall(unix.Rmdir, name256)},
		{call: "rmdir(name246)", setup: func(c string) error { return unix.Mkdir(c+"/"+name246, 0o755) }, do: pathCall(unix.Rmdir, name246)},
		{call: "rmdir(name255) (a file)", setup: createFile(name255), do: pathCall(unix.Rmdir, name255)},
		{call: "rmdir(missing/x)", do: pathCall(unix.Rmdir, "missing/x")},

		// truncate(2) and ftruncate(2).
		{call: "truncate(f, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, "f"), watch: []string{"f"}},
		{call: "truncate(f, 10)", do: pathCall(func(p string) error { return unix.Truncate(p, 10) }, "f"), watch: []string{"f"}},
		{call: "truncate(f, 4) (same size)", do: pathCall(func(p string) error { return unix.Truncate(p, 4) }, "f"), watch: []string{"f"}},
		{call: "truncate(f, -1)", do: pathCall(func(p string) error { return unix.Truncate(p, -1) }, "f")},
		{call: "truncate(l, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, "l"), watch: []string{"f"}},
		{call: "truncate(d, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, "d")},
		{call: "truncate(missing, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, "missing")},
		{call: "truncate(f/x, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, "f/x")},
		{call: "truncate(name256, 0)", do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, name256)},
		{call: "truncate(name255, 0)", setup: createFile(name255), do: pathCall(func(p string) error { return unix.Truncate(p, 0) }, name255)},
		{
			call: "truncate(f, 8 TiB)", do: pathCall(func(p string) error { return unix.Truncate(p, 8<<40) }, "f"), watch: []string{"f"},
			differs: whyFiveTiB, objfs: "EFBIG f{}",
		},
		{call: "ftruncate(open(f, O_WRONLY), 0)", do: ftruncateCall("f", wronly, 0), watch: []string{"f"}},
		{call: "ftruncate(open(f, O_RDWR), 10)", do: ftruncateCall("f", rdwr, 10), watch: []string{"f"}},
		{call: "ftruncate(open(f, O_RDWR), 4) (same size)", do: ftruncateCall("f", rdwr, 4), watch: []string{"f"}},
		{call: "ftruncate(open(f, O_RDONLY), 0)", do: ftruncateCall("f", rdonly, 0), watch: []string{"f"}},
		{call: "ftruncate(open(d, O_RDONLY), 0)", do: ftruncateCall("d", rdonly, 0)},
		{call: "ftruncate(open(f, O_RDWR), -1)", do: ftruncateCall("f", rdwr, -1)},
		{
			call: "ftruncate(open(f, O_RDWR), 8 TiB)", do: ftruncateCall("f", rdwr, 8<<40), watch: []string{"f"},
			differs: whyFiveTiB, objfs: "EFBIG f{}",
		},

		// chmod(2).
		{
			call: "chmod(f, 0600)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{mode=100600} tree{~f=f0600 4 \"data\"}",
		},
		{
			call: "chmod(f, 04755)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o4755) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{mode=104755} tree{~f=f4755 4 \"data\"}",
		},
		{
			call: "chmod(f, 0644) (unchanged)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o644) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{}",
		},
		{
			call: "chmod(d, 0700)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o700) }, "d"), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok d{mode=40700} tree{~d=d0700}",
		},
		{
			call: "chmod(n, 01777)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o1777) }, "n"), watch: []string{"n"},
			differs: whyDirTimes, objfs: "ok n{mode=41777} tree{~n=d1777}",
		},
		{
			call: "chmod(l, 0600)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, "l"), watch: []string{"f", "l"},
			differs: whyCtime, objfs: "ok f{mode=100600} l{} tree{~f=f0600 4 \"data\"}",
		},
		{call: "chmod(missing, 0600)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, "missing")},
		{call: "chmod(f/x, 0600)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, "f/x")},
		{call: "chmod(name256, 0600)", do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, name256)},
		{call: "chmod(name255, 0600)", setup: createFile(name255), do: pathCall(func(p string) error { return unix.Chmod(p, 0o600) }, name255)},

		// chown(2).
		{
			call: "chown(f, 1000, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{owner=1000:1000}",
		},
		{
			call: "chown(f, -1, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, -1, 1000) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{owner=0:1000}",
		},
		{
			call: "chown(f, -1, -1)", do: pathCall(func(p string) error { return unix.Chown(p, -1, -1) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{}",
		},
		{
			call:  "chown(f, 1000, 1000) of a 04755 file",
			setup: func(c string) error { return unix.Chmod(c+"/f", 0o4755) },
			do:    pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, "f"), watch: []string{"f"},
			differs: whyCtime, objfs: `ok f{mode=100755 owner=1000:1000} tree{~f=f0755 4 "data"}`,
		},
		{
			call: "chown(d, 1000, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, "d"), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok d{owner=1000:1000}",
		},
		{
			call: "chown(l, 1000, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, "l"), watch: []string{"f", "l"},
			differs: whyCtime, objfs: "ok f{owner=1000:1000} l{}",
		},
		{
			call: "lchown(l, 1000, 1000)", do: pathCall(func(p string) error { return unix.Lchown(p, 1000, 1000) }, "l"), watch: []string{"f", "l"},
			differs: whyLchown, objfs: "ok f{} l{}",
		},
		{call: "chown(missing, 1000, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, "missing")},
		{call: "chown(name256, 1000, 1000)", do: pathCall(func(p string) error { return unix.Chown(p, 1000, 1000) }, name256)},

		// utimensat(2).
		{call: "utimensat(f, NOW, NOW)", do: utimensCall("f", unix.Timespec{Nsec: unix.UTIME_NOW}, unix.Timespec{Nsec: unix.UTIME_NOW}, 0), watch: []string{"f"}},
		{
			call: "utimensat(f, past, past)", do: utimensCall("f", past, past, 0), watch: []string{"f"},
			differs: whyCtime, objfs: "ok mtime=set:true f{mtime- ctime-}",
		},
		{
			call: "utimensat(f, OMIT, past)", do: utimensCall("f", unix.Timespec{Nsec: unix.UTIME_OMIT}, past, 0), watch: []string{"f"},
			differs: whyCtime, objfs: "ok mtime=set:true f{mtime- ctime-}",
		},
		{
			call: "utimensat(f, past, OMIT)", do: utimensCall("f", past, unix.Timespec{Nsec: unix.UTIME_OMIT}, 0), watch: []string{"f"},
			differs: whyCtime, objfs: "ok f{}",
		},
		{call: "utimensat(f, OMIT, OMIT)", do: utimensCall("f", unix.Timespec{Nsec: unix.UTIME_OMIT}, unix.Timespec{Nsec: unix.UTIME_OMIT}, 0), watch: []string{"f"}},
		{
			call: "utimensat(d, past, past)", do: utimensCall("d", past, past, 0), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok mtime=set:false d{}",
		},
		{
			call: "utimensat(l, past, past)", do: utimensCall("l", past, past, 0), watch: []string{"f", "l"},
			differs: whyCtime, objfs: "ok mtime=set:false f{mtime- ctime-} l{}",
		},
		{
			call: "utimensat(l, past, past, AT_SYMLINK_NOFOLLOW)", do: utimensCall("l", past, past, unix.AT_SYMLINK_NOFOLLOW), watch: []string{"f", "l"},
			differs: whyCtime, objfs: "ok mtime=set:true f{} l{mtime- ctime-}",
		},
		{call: "utimensat(missing, NOW, NOW)", do: utimensCall("missing", unix.Timespec{Nsec: unix.UTIME_NOW}, unix.Timespec{Nsec: unix.UTIME_NOW}, 0)},
		{call: "utimensat(name256, NOW, NOW)", do: utimensCall(name256, unix.Timespec{Nsec: unix.UTIME_NOW}, unix.Timespec{Nsec: unix.UTIME_NOW}, 0)},

		// symlink(2).
		{
			call: "symlink(f, new)", do: pathCall(func(p string) error { return unix.Symlink("f", p) }, "new"), watch: []string{"."},
			differs: whyDirTimes, objfs: "ok .{} tree{+new=l->f}",
		},
		{call: "symlink(missing/x, new)", do: pathCall(func(p string) error { return unix.Symlink("missing/x", p) }, "new")},
		{
			call: "symlink(/abs, d/new)", do: pathCall(func(p string) error { return unix.Symlink("/abs", p) }, "d/new"), watch: []string{"d"},
			differs: whyDirTimes, objfs: "ok d{} tree{+d/new=l->/abs}",
		},
		{call: "symlink(x, f)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "f")},
		{call: "symlink(x, d)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "d")},
		{call: "symlink(x, l)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "l")},
		{call: "symlink(x, dl)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "dl")},
		{call: "symlink(x, missing/new)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "missing/new")},
		{call: "symlink(x, f/new)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "f/new")},
		{call: "symlink(\"\", new)", do: pathCall(func(p string) error { return unix.Symlink("", p) }, "new")},
		{call: "symlink(x, name244)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, name244)},
		{
			call: "symlink(x, name245)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, name245),
			differs: whyMinIOLink, objfs: "ENAMETOOLONG",
		},
		{call: "symlink(x, name256)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, name256)},
		{call: "symlink(x, key of 1013 bytes)", setup: mkdirs(ldir1013), do: pathCall(func(p string) error { return unix.Symlink("x", p) }, lkey1013)},
		{
			call: "symlink(x, key of 1014 bytes)", setup: mkdirs(ldir1014), do: pathCall(func(p string) error { return unix.Symlink("x", p) }, lkey1014),
			differs: whyLinkKey, objfs: "ENAMETOOLONG",
		},
		{call: "symlink(target4095, new)", do: pathCall(func(p string) error { return unix.Symlink(long4095, p) }, "new")},
		{call: "symlink(target4096, new)", do: pathCall(func(p string) error { return unix.Symlink(long4096, p) }, "new")},
		{
			call: "symlink(x, new.rclonelink)", do: pathCall(func(p string) error { return unix.Symlink("x", p) }, "new.rclonelink"),
			differs: whyRcloneLink, objfs: "EINVAL",
		},

		// readlink(2).
		{call: "readlink(l)", do: readlinkCall("l")},
		{call: "readlink(dl)", do: readlinkCall("dl")},
		{call: "readlink(f)", do: readlinkCall("f")},
		{call: "readlink(d)", do: readlinkCall("d")},
		{call: "readlink(missing)", do: readlinkCall("missing")},
		{call: "readlink(f/x)", do: readlinkCall("f/x")},
		{call: "readlink(ld/)", do: readlinkCall("ld/")},
		{call: "readlink(name256)", do: readlinkCall(name256)},
		{
			call:  "readlink(link to target4095)",
			setup: func(c string) error { return unix.Symlink(long4095, c+"/long") },
			do:    readlinkCall("long"),
		},
	}
	return rows
}

// TestPOSIXTable runs the table on the mount and on a local directory.
func TestPOSIXTable(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	local := ext4Dir(t)

	rows := posixTable()
	type result struct{ posix, objfs string }
	results := make([]result, len(rows))
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				name := fmt.Sprintf("c%03d", i)
				res := &results[i]
				lc, mc := local+"/"+name, m.Dir+"/"+name
				if res.posix = setupPosixRow(rows[i], lc); res.posix != "" {
					continue
				}
				if res.objfs = setupPosixRow(rows[i], mc); res.objfs != "" {
					continue
				}
				// A change the call makes must show as a later time:
				// let the kernel's coarse clock (ext4's timestamps) tick.
				time.Sleep(25 * time.Millisecond)
				// The tree before the call is the local one: a walk of
				// the mount would list the directory, and lookups
				// answered from a listing hide what a program meeting
				// the directory first sees (a HEAD per name).
				before := posixTree(lc)
				res.posix = callPosixRow(rows[i], lc, before)
				res.objfs = callPosixRow(rows[i], mc, before)
			}
		}()
	}
	for i := range rows {
		work <- i
	}
	close(work)
	wg.Wait()
	t.Logf("%d rows in %v", len(rows), time.Since(start).Round(time.Millisecond))

	var table strings.Builder
	fmt.Fprintf(&table, "%-52s | %-40s | %s\n", "call", "posix (measured)", "objfs")
	for i, r := range rows {
		res := results[i]
		got := res.objfs
		mark := ""
		switch {
		case strings.HasPrefix(res.posix, "setup:") || strings.HasPrefix(res.objfs, "setup:"):
			t.Errorf("%s: the fixture failed: posix %q, objfs %q", r.call, res.posix, res.objfs)
		case r.differs == "" && got != res.posix:
			t.Errorf("%s: objfs %q, POSIX (local) %q: an undocumented difference", r.call, got, res.posix)
			mark = "  <- UNDOCUMENTED"
		case r.differs != "" && got != r.objfs:
			t.Errorf("%s: objfs %q, want %q (differs: %s); POSIX (local) %q", r.call, got, r.objfs, r.differs, res.posix)
			mark = "  <- changed"
		case r.differs != "" && res.posix == r.objfs:
			t.Errorf("%s: objfs %q now answers as POSIX does: drop the row's differs", r.call, got)
		}
		if r.differs != "" {
			mark += "  differs: " + r.differs
		}
		same := got
		if got == res.posix {
			same = "="
		}
		fmt.Fprintf(&table, "%-52s | %-40s | %s%s\n", shorten(r.call), res.posix, same, mark)
	}
	t.Logf("the table:\n%s", table.String())
}

// ext4Magic is EXT4_SUPER_MAGIC from statfs(2).
const ext4Magic = 0xef53

// ext4Dir returns an empty directory on ext4, where the table measures
// POSIX's answers (Linux's, in fact: where POSIX leaves a choice, the
// rows say what ext4 chose). It tries the test's temporary directory,
// then one in the user's cache directory.
func ext4Dir(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, base := range []string{"", filepath.Join(testenv.CacheDir(), "objfs")} {
		if base != "" {
			if err := os.MkdirAll(base, 0o755); err != nil {
				tried = append(tried, base+": "+err.Error())
				continue
			}
		}
		dir, err := os.MkdirTemp(base, "objfs-posix-")
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		var sfs unix.Statfs_t
		if err := unix.Statfs(dir, &sfs); err == nil && sfs.Type == ext4Magic {
			t.Logf("POSIX's answers measured on ext4 in %s", dir)
			return dir
		}
		tried = append(tried, fmt.Sprintf("%s: file system magic %#x", dir, sfs.Type))
	}
	t.Fatalf("no ext4 directory to measure POSIX's answers on (set TMPDIR to one): %s", strings.Join(tried, "; "))
	return ""
}

// setupPosixRow makes case directory c with the fixture and the row's
// own; it returns "" or what failed.
func setupPosixRow(r posixRow, c string) string {
	if err := unix.Mkdir(c, 0o755); err != nil {
		return "setup: " + err.Error()
	}
	steps := posixFixture
	if r.setup != nil {
		steps = append(slices.Clip(steps), r.setup)
	}
	for _, step := range steps {
		if err := eintr(func() error { return step(c) }); err != nil {
			return "setup: " + err.Error()
		}
	}
	return ""
}

// callPosixRow runs the row's call in c and returns its answer: "ERRNO"
// or "ok OUTPUT", then the watched paths' changes, then how the tree
// changed from before.
func callPosixRow(r posixRow, c string, before map[string]string) string {
	var stats []*unix.Stat_t
	for _, w := range r.watch {
		from, _, _ := strings.Cut(w, ">")
		stats = append(stats, lstatOrNil(c+"/"+from))
	}
	out, err := r.do(c)
	ans := "ok"
	if err != nil {
		ans = errnoString(err)
	}
	if out != "" {
		ans += " " + out
	}
	for i, w := range r.watch {
		from, to, renamed := strings.Cut(w, ">")
		if !renamed {
			to = from
		}
		ans += " " + shorten(to) + "{" + statChanges(stats[i], lstatOrNil(c+"/"+to)) + "}"
	}
	if d := treeChanges(before, posixTree(c)); d != "" {
		ans += " tree{" + d + "}"
	}
	return ans
}

func lstatOrNil(p string) *unix.Stat_t {
	var st unix.Stat_t
	if eintr(func() error { return unix.Lstat(p, &st) }) != nil {
		return nil
	}
	return &st
}

func errnoString(err error) string {
	var e syscall.Errno
	if ok := asErrno(err, &e); ok {
		if name := unix.ErrnoName(e); name != "" {
			return name
		}
		return fmt.Sprintf("errno %d", int(e))
	}
	return err.Error()
}

func asErrno(err error, e *syscall.Errno) bool {
	for err != nil {
		if x, ok := err.(syscall.Errno); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// statChanges names what differs between two stats of a path: size, mode
// and owner with their new values, mtime and ctime as moved forward (+)
// or back (-); "" when nothing did, "gone" or "new" when one is missing.
func statChanges(a, b *unix.Stat_t) string {
	switch {
	case a == nil && b == nil:
		return "missing"
	case a == nil:
		return "new"
	case b == nil:
		return "gone"
	}
	var ch []string
	if a.Size != b.Size {
		ch = append(ch, fmt.Sprintf("size=%d", b.Size))
	}
	if a.Mode != b.Mode {
		ch = append(ch, fmt.Sprintf("mode=%o", b.Mode))
	}
	if a.Uid != b.Uid || a.Gid != b.Gid {
		ch = append(ch, fmt.Sprintf("owner=%d:%d", b.Uid, b.Gid))
	}
	for _, tm := range []struct {
		name string
		a, b unix.Timespec
	}{{"mtime", a.Mtim, b.Mtim}, {"ctime", a.Ctim, b.Ctim}} {
		switch ta, tb := tm.a.Nano(), tm.b.Nano(); {
		case tb > ta:
			ch = append(ch, tm.name+"+")
		case tb < ta:
			ch = append(ch, tm.name+"-")
		}
	}
	return strings.Join(ch, " ")
}

// posixTree describes every entry below c: "f0644 4 data", "d0755",
// "l->target".
func posixTree(c string) map[string]string {
	tree := map[string]string{}
	var walk func(rel string)
	walk = func(rel string) {
		ents, err := os.ReadDir(c + "/" + rel)
		if err != nil {
			tree[rel+"/"] = "readdir: " + errnoString(err)
			return
		}
		for _, e := range ents {
			p := rel + e.Name()
			st := lstatOrNil(c + "/" + p)
			if st == nil {
				tree[p] = "listed, lstat fails"
				continue
			}
			perm := st.Mode & 0o7777
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFDIR:
				tree[p] = fmt.Sprintf("d%04o", perm)
				walk(p + "/")
			case unix.S_IFLNK:
				buf := make([]byte, 8192)
				n, err := unix.Readlink(c+"/"+p, buf)
				if err != nil {
					tree[p] = "l " + errnoString(err)
				} else {
					tree[p] = "l->" + shorten(string(buf[:n]))
				}
			case unix.S_IFREG:
				tree[p] = fmt.Sprintf("f%04o %d %s", perm, st.Size, fileHead(c+"/"+p, st.Size))
			default:
				tree[p] = fmt.Sprintf("mode %o", st.Mode)
			}
		}
	}
	walk("")
	return tree
}

// fileHead is the start of a small file, quoted.
func fileHead(p string, size int64) string {
	if size > 64 {
		return "..."
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "read: " + errnoString(err)
	}
	return fmt.Sprintf("%q", b)
}

// treeChanges lists entries added (+), removed (-) and changed (~).
func treeChanges(before, after map[string]string) string {
	var ch []string
	for p, a := range after {
		if b, ok := before[p]; !ok {
			ch = append(ch, "+"+shorten(p)+"="+a)
		} else if a != b {
			ch = append(ch, "~"+shorten(p)+"="+a)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			ch = append(ch, "-"+shorten(p))
		}
	}
	slices.Sort(ch)
	return strings.Join(ch, " ")
}

// shorten writes each run of one byte longer than 12 as its byte and its
// length ("a*255"), so long names stay readable.
func shorten(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > 12 {
			fmt.Fprintf(&b, "%c*%d", s[i], j-i)
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}
