package vfs

import (
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dirSize is the size directories report: 0, as rclone and `aws s3 ls
// --summarize` count them, so that `du` of a tree adds up the objects'
// bytes only (ext4's 4096 per directory would be a size S3 never bills).
const dirSize = 0

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

// Attr is what stat shows of a file or directory. Ino is the node's hashed
// inode number; an adapter may show its own (the mount root's).
type Attr struct {
	Ino   uint64
	Size  int64
	Mode  uint32 // type and permission bits, as in st_mode
	UID   uint32
	GID   uint32
	Mtime time.Time // also atime and ctime; zero when unknown
	// Blksize is st_blksize: cp, cat and friends read and write in units
	// of max(128 KiB, st_blksize); one FUSE request of the largest size
	// costs much less than eight of 128 KiB.
	Blksize uint32
	// Unlinked: the file was removed (unlink, or replaced by a rename)
	// while open; fstat of a descriptor still open shows st_nlink 0, as
	// on a local file system. Otherwise st_nlink is 1.
	Unlinked bool
}

// MaxFileSize is the largest file objfs can store: S3's largest object,
// 5 TiB. A truncate, fallocate or write past it is ErrFileTooBig at once,
// instead of a failure at close after uploading up to 5 TiB.
const MaxFileSize = 5 << 40

// checkSize returns ErrFileTooBig when a file would end past MaxFileSize.
func checkSize(end int64) error {
	if end > MaxFileSize || end < 0 {
		return ErrFileTooBig
	}
	return nil
}

// IOSize is the st_blksize of files: the buffer size tools such as cp
// choose. (The largest FUSE request is fs.MountOptions.MaxRequestSize.)
const IOSize = 1 << 20

// fileAttr returns the attributes of a regular file of size bytes
// modified at mtime.
func (c Config) fileAttr(ino uint64, size int64, mtime time.Time) Attr {
	return Attr{
		Ino: ino, Size: size, Mtime: mtime, Blksize: IOSize,
		Mode: syscall.S_IFREG | c.perms(uint32(c.FileMode.Perm())),
		UID:  c.UID, GID: c.GID,
	}
}

// dirAttr returns the attributes of a directory. Directories have no
// mtime in S3; the caller passes the bucket's creation time or the mount
// time.
func (c Config) dirAttr(ino uint64, mtime time.Time) Attr {
	return Attr{
		Ino: ino, Size: dirSize, Mtime: mtime,
		Mode: syscall.S_IFDIR | c.perms(uint32(c.DirMode.Perm())),
		UID:  c.UID, GID: c.GID,
	}
}
