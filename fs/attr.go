package fs

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// fuseAttr fills out from the core's attributes, with inode number ino
// (go-fuse's, which is the core's except at the mount root).
func fuseAttr(out *fuse.Attr, a vfs.Attr, ino uint64) {
	*out = fuse.Attr{
		Ino:     ino,
		Size:    uint64(a.Size),
		Blocks:  (uint64(a.Size) + 511) / 512,
		Mode:    a.Mode,
		Nlink:   1, // directories too: tells find and fts that subdirectories are not counted
		Owner:   fuse.Owner{Uid: a.UID, Gid: a.GID},
		Blksize: a.Blksize,
	}
	if a.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		out.Blocks = 0 // a directory occupies nothing: du counts objects only
	}
	if a.Unlinked {
		out.Nlink = 0 // removed while open
	}
	setTimes(out, a.Mtime)
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
		Bsize: bsize, Frsize: bsize, NameLen: vfs.MaxNameLen,
	}
}
