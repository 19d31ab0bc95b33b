package vfs

import (
	"context"

	"github.com/objfs/objfs/vfs/writeback"
)

// Files open only for reading when they are removed. A read handle pins a
// version whose blocks it fetches on demand, and once the object is
// deleted a fetch finds nothing. So unlink of a file that read handles
// hold, and no write handle does, opens a writer over the object for them
// (nodeWrites.kept): preload keeps an object up to keepOnUnlink in it,
// read handles that pin that version read through it (ReadHandle.writer),
// and the release of the last read handle closes it. Nothing is ever
// uploaded from it: the node is unlinked.

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
	last := n.readers == 0 && n.wr.kept != ""
	if last {
		n.wr.kept = ""
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
	n.wr.w, n.wr.kept = w, base.ETag
	n.wr.handles++
	n.moves.Add(1) // read handles now read through w
	n.mu.Unlock()
}

// writerFor returns the writer a read handle pinning ETag pinned ("":
// none yet) reads through, or nil: the node's live writer, except that
// one kept for the read handles of a removed file serves only the
// handles that pin the version it keeps (or none yet). A handle pinning a
// version another client has replaced since reads its own, and gets EIO
// once S3 no longer has it, as without the unlink: never bytes of two
// versions.
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
