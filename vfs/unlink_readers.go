package vfs

import (
	"context"

	"github.com/objfs/objfs/vfs/writeback"
)

// Files open for reading when they are removed. A read handle pins a
// version whose blocks it fetches on demand, and once the object is
// deleted a fetch finds nothing. As on a local file system, every open
// descriptor keeps the file it opened:
//
//   - unlink (or a rename over it) of a file that read handles hold, and
//     no write handle does, opens a writer over the object for them
//     (nodeWrites.forReaders): preload keeps an object up to
//     keepOnUnlink in it, and the release of the last read handle closes
//     it. Read handles read through it (writerFor) when they pin that
//     version, or when it was written through this mount (a handle
//     follows such a version anyway, see ReadHandle.source): a version
//     another client wrote is never mixed with another one.
//   - a removed file that write handles held keeps their writer after
//     the last of them closed while read handles remain: those read what
//     was written, as a local file's descriptors share one inode.
//
// Nothing is ever uploaded from such a writer: the node is unlinked.

// readerOpened counts a read handle of the node.
func (n *File) readerOpened() {
	n.mu.Lock()
	n.readers++
	n.mu.Unlock()
}

// readerReleased uncounts a read handle; the last one releases a writer
// kept for the read handles of an unlinked file.
func (n *File) readerReleased(ctx context.Context) {
	n.mu.Lock()
	n.readers--
	last := n.readers == 0 && n.wr.forReaders
	if last {
		n.wr.forReaders, n.wr.kept = false, ""
	}
	n.mu.Unlock()
	if last {
		n.releaseWriter(ctx)
	}
}

// keepForReaders gives a node that read handles hold, and no write handle,
// a writer over its object before it is removed (n.io held exclusively),
// if the object is small enough to be kept whole. Best effort: without
// it, reads of blocks not cached fail once the object is gone.
func (n *File) keepForReaders(ctx context.Context) {
	n.mu.Lock()
	want := n.readers > 0 && n.wr.w == nil && !n.wr.unlinked
	n.mu.Unlock()
	if !want || n.fsys.writes.up == nil {
		return
	}
	base, err := n.headBase(ctx)
	if err != nil || base.Size > keepOnUnlink || base.ETag == "" {
		return
	}
	w := n.fsys.writes.up.Open(n.bucket, base.Key, base)
	n.mu.Lock()
	n.wr.w, n.wr.forReaders, n.wr.kept = w, true, base.ETag
	if base.ETag == n.wr.last.ETag { // written through this mount: every handle follows it
		n.wr.kept = ""
	}
	n.wr.handles++
	n.moves.Add(1) // read handles now read through w
	n.mu.Unlock()
}

// unkeep undoes keepForReaders when the removal it prepared failed (n.io
// held exclusively): the node stays a live file, whose writers must
// commit at the last close, not linger for read handles.
func (n *File) unkeep() {
	n.mu.Lock()
	if !n.wr.forReaders || n.wr.unlinked {
		n.mu.Unlock()
		return
	}
	n.wr.forReaders, n.wr.kept = false, ""
	n.wr.handles--
	var w *writeback.Writer
	if n.wr.handles == 0 {
		w, n.wr.w = n.wr.w, nil
		n.moves.Add(1)
	}
	n.mu.Unlock()
	if w != nil {
		w.Close() // it only held a copy of the object
	}
}

// writerFor returns the writer a read handle pinning ETag pinned ("":
// none yet) reads through, or nil: the node's live writer, except that
// one opened for the read handles of a removed file over a version
// another client wrote serves only the handles that pin that version (or
// none yet). A handle pinning a version since replaced by another client
// reads its own, and gets EIO once S3 no longer has it, as without the
// unlink: never bytes of two versions.
func (n *File) writerFor(pinned string) *writeback.Writer {
	n.mu.Lock()
	w, kept := n.wr.w, n.wr.kept
	n.mu.Unlock()
	if w == nil || kept == "" {
		return w
	}
	if pinned != "" && pinned != kept {
		return nil
	}
	return w
}
