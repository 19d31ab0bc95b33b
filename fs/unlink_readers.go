package fs

import "context"

// Files open only for reading when they are removed. A read handle pins a
// version whose blocks it fetches on demand, and once the object is
// deleted a fetch finds nothing. So unlink of a file that read handles
// hold, and no write handle does, opens a writer over the object for them
// (nodeWrites.forReaders): preload keeps an object up to keepOnUnlink in
// it, read handles read through it (fileHandle.Read), and the release of
// the last read handle closes it. Nothing is ever uploaded from it: the
// node is unlinked.

// readerOpened counts a read handle of the node.
func (n *fileNode) readerOpened() {
	n.mu.Lock()
	n.readers++
	n.mu.Unlock()
}

// readerReleased uncounts a read handle; the last one releases a writer
// kept for the read handles of an unlinked file.
func (n *fileNode) readerReleased(ctx context.Context) {
	n.mu.Lock()
	n.readers--
	last := n.readers == 0 && n.wr.forReaders
	if last {
		n.wr.forReaders = false
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
func (n *fileNode) keepForReaders(ctx context.Context) {
	n.mu.Lock()
	want := n.readers > 0 && n.wr.w == nil && !n.wr.unlinked
	n.mu.Unlock()
	if !want || n.fsys.writes.up == nil {
		return
	}
	base, err := n.headBase(ctx)
	if err != nil || base.Size > keepOnUnlink {
		return
	}
	w := n.fsys.writes.up.Open(n.bucket, base.Key, base)
	n.mu.Lock()
	n.wr.w, n.wr.forReaders = w, true
	n.wr.handles++
	n.mu.Unlock()
}
