package fs

import (
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

func TestFuseAttr(t *testing.T) {
	mtime := time.Unix(1700000000, 42)
	var a fuse.Attr
	fuseAttr(&a, vfs.Attr{Ino: 3, Size: 1025, Mode: syscall.S_IFREG | 0o644, UID: 1000, GID: 100, Mtime: mtime, Blksize: vfs.IOSize}, 7)
	if a.Mode != syscall.S_IFREG|0o644 || a.Size != 1025 || a.Blocks != 3 || a.Nlink != 1 ||
		a.Uid != 1000 || a.Gid != 100 || a.Ino != 7 || a.Blksize != vfs.IOSize {
		t.Fatalf("file attr %+v", a)
	}
	if a.Mtime != 1700000000 || a.Mtimensec != 42 || a.Ctime != a.Mtime || a.Atime != a.Mtime {
		t.Fatalf("times %+v", a)
	}
	fuseAttr(&a, vfs.Attr{Size: 5, Mode: syscall.S_IFREG | 0o644, Unlinked: true}, 7)
	if a.Nlink != 0 {
		t.Fatalf("a file removed while open has st_nlink %d, want 0", a.Nlink)
	}
	fuseAttr(&a, vfs.Attr{Size: 0, Mode: syscall.S_IFREG | 0o444}, 7)
	if a.Blocks != 0 || a.Mtime != 0 {
		t.Fatalf("empty file %+v", a)
	}
	fuseAttr(&a, vfs.Attr{Size: 4096, Mode: syscall.S_IFDIR | 0o550}, 9)
	if a.Mode != syscall.S_IFDIR|0o550 || a.Blocks != 0 || a.Nlink != 1 || a.Mtime != 0 {
		t.Fatalf("dir attr %+v", a)
	}
}
