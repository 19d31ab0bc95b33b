package fs

import (
	"context"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// dirHandle is one open directory stream over a vfs.DirStream, which
// holds the snapshot (stable offsets, READDIRPLUS lookups from it).
// Offsets: 1 is after ".", 2 after "..", i+3 after entry i.
type dirHandle struct {
	n *dirNode
	s *vfs.DirStream

	mu  sync.Mutex // guards pos (go-fuse also serialises calls on one handle)
	pos uint64     // index of the next entry, counting "." and ".."
}

var (
	_ = (gofs.FileReaddirenter)((*dirHandle)(nil))
	_ = (gofs.FileSeekdirer)((*dirHandle)(nil))
	_ = (gofs.FileLookuper)((*dirHandle)(nil))
	_ = (gofs.FileFsyncdirer)((*dirHandle)(nil))
	_ = (gofs.FileReleasedirer)((*dirHandle)(nil))
)

// Readdirent returns the next entry, or nil at the end.
func (h *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.s.Len(ctx)
	if err != nil {
		return nil, h.n.fail("readdir", "", err)
	}
	if h.pos >= uint64(n)+2 {
		return nil, 0
	}
	de := h.entryAt(h.pos)
	h.pos++
	de.Off = h.pos
	return &de, 0
}

// entryAt returns entry i of the stream ("." and ".." first).
func (h *dirHandle) entryAt(i uint64) fuse.DirEntry {
	switch i {
	case 0:
		return fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR, Ino: h.n.StableAttr().Ino}
	case 1:
		ino := h.n.StableAttr().Ino
		if _, parent := h.n.Parent(); parent != nil {
			ino = parent.StableAttr().Ino
		}
		return fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR, Ino: ino}
	}
	e := h.s.Entry(int(i - 2))
	mode := uint32(syscall.S_IFREG)
	switch {
	case e.Dir:
		mode = syscall.S_IFDIR
	case e.Link:
		mode = syscall.S_IFLNK
	}
	return fuse.DirEntry{Name: e.Name, Mode: mode, Ino: e.Ino}
}

// Seekdir moves to offset off; a rewind (0) takes a new snapshot on the
// next read, listing again if the cached one is stale.
func (h *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	h.mu.Lock()
	defer h.mu.Unlock()
	if off == 0 {
		h.s.Rewind()
	} else if n, ok := h.s.Taken(); ok && off > uint64(n)+2 {
		return syscall.EINVAL
	}
	h.pos = off
	return 0
}

// Lookup answers the lookup READDIRPLUS makes for each entry it returns,
// from the stream's snapshot.
func (h *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ch, ok := h.s.Lookup(name)
	if !ok {
		return h.n.Lookup(ctx, name, out)
	}
	return h.n.inode(ctx, name, ch, out), 0
}

// Fsyncdir has nothing to do.
func (h *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// Releasedir drops the snapshot.
func (h *dirHandle) Releasedir(ctx context.Context, releaseFlags uint32) {
	h.s.Rewind()
}
