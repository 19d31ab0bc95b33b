package fs

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// dirSize is the size directories report, as on ext4.
const dirSize = 4096

// parseMetaMtime parses x-amz-meta-mtime as rclone and s3fs write it:
// seconds since the epoch with an optional fraction of up to nine digits.
func parseMetaMtime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	secStr, fracStr, hasFrac := strings.Cut(s, ".")
	if secStr == "" || len(fracStr) > 9 || (hasFrac && fracStr == "") {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, false
	}
	var nsec int64
	if hasFrac {
		if nsec, err = strconv.ParseInt(fracStr, 10, 64); err != nil || nsec < 0 {
			return time.Time{}, false
		}
		for i := len(fracStr); i < 9; i++ {
			nsec *= 10
		}
	}
	return time.Unix(sec, nsec), true
}

// perms returns the permission bits for mode, without write bits when the
// tree is read-only.
func (c Config) perms(mode uint32) uint32 {
	if c.ReadOnly {
		mode &^= 0o222
	}
	return mode
}

// fileAttr fills out for a regular file of size bytes modified at mtime.
func (c Config) fileAttr(out *fuse.Attr, ino uint64, size int64, mtime time.Time) {
	*out = fuse.Attr{
		Ino:    ino,
		Size:   uint64(size),
		Blocks: (uint64(size) + 511) / 512,
		Mode:   syscall.S_IFREG | c.perms(uint32(c.FileMode.Perm())),
		Nlink:  1,
		Owner:  fuse.Owner{Uid: c.UID, Gid: c.GID},
		// st_blksize: cp, cat and friends read and write in units of
		// max(128 KiB, st_blksize); one FUSE request of the largest size
		// costs much less than eight of 128 KiB.
		Blksize: maxIOSize,
	}
	setTimes(out, mtime)
}

// dirAttr fills out for a directory. Directories have no mtime in S3; the
// caller passes the bucket's creation time or the mount time. Nlink is 1,
// which tells find and fts that subdirectories are not counted.
func (c Config) dirAttr(out *fuse.Attr, ino uint64, mtime time.Time) {
	*out = fuse.Attr{
		Ino:    ino,
		Size:   dirSize,
		Blocks: dirSize / 512,
		Mode:   syscall.S_IFDIR | c.perms(uint32(c.DirMode.Perm())),
		Nlink:  1,
		Owner:  fuse.Owner{Uid: c.UID, Gid: c.GID},
	}
	setTimes(out, mtime)
}

// setTimes sets atime, mtime and ctime to t.
func setTimes(out *fuse.Attr, t time.Time) {
	if t.IsZero() || t.Unix() < 0 {
		return
	}
	sec, nsec := uint64(t.Unix()), uint32(t.Nanosecond())
	out.Atime, out.Mtime, out.Ctime = sec, sec, sec
	out.Atimensec, out.Mtimensec, out.Ctimensec = nsec, nsec, nsec
}

// fillStatfs reports a practically unlimited, read-only-agnostic volume,
// as the peers do: object storage has no capacity to report.
func fillStatfs(out *fuse.StatfsOut) {
	const bsize = 4096
	const blocks = 1 << 40 // 4 PiB in 4 KiB blocks
	*out = fuse.StatfsOut{
		Blocks: blocks, Bfree: blocks, Bavail: blocks,
		Files: 1 << 40, Ffree: 1 << 40,
		Bsize: bsize, Frsize: bsize, NameLen: maxNameLen,
	}
}
