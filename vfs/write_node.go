package vfs

import (
	"context"
	"syscall"
	"time"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// nodeWrites is a file node's write state, guarded by File.mu. Every
// write handle of the node shares one writer (writeback.Writer), created
// by the first open for writing and closed when the last write handle is
// released: what one handle writes, the others read, and a flush of any of
// them commits it all.
type nodeWrites struct {
	w       *writeback.Writer // nil when no handle writes
	handles int               // open writeHandles
	// local: created through the mount and not yet in S3 (listings and
	// HEAD do not know it; lookups answer from the node).
	local bool
	// unlinked: removed while open. Its writer serves the open handles
	// but is never committed.
	unlinked bool
	// kept: the ETag of the version a writer opened at unlink keeps for
	// the node's read handles, released with the last of them; "" when
	// the writer is not such a one (unlink_readers.go).
	kept string
	// last is the object as the node last committed or renamed it, with
	// its metadata: a writer's base without a HEAD while it is the
	// node's current version and younger than StatTTL (utimens and
	// rename right after close, as tar, cp -p and rsync do).
	last remote.ObjectInfo
}

// liveWriter returns the node's writer, or nil.
func (n *File) liveWriter() *writeback.Writer {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wr.w
}

// localInfo returns the attributes the node knows better than S3: while a
// writer is live, its size and mtime; for an unlinked node, its last
// attributes. ok is false when the node's attributes come from S3.
func (n *File) localInfo() (fileInfo, bool) {
	n.mu.Lock()
	info, w, unlinked := n.info, n.wr.w, n.wr.unlinked
	n.mu.Unlock()
	if w == nil {
		return info, unlinked
	}
	info.size = w.Size()
	if m := w.Mtime(); !m.IsZero() {
		info.mtime = m
	}
	info.stored = parseStored(w.Metadata(), syscall.S_IFREG)
	return info, true
}

// pinState returns the node's attributes and key, and whether its current
// version is the one it last committed or renamed through this mount (not
// one a HEAD found after another client changed the object).
func (n *File) pinState() (info fileInfo, key string, writtenHere bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	here := n.wr.w == nil && !n.wr.unlinked && n.wr.last.ETag != "" && n.wr.last.ETag == n.info.etag
	return n.info, n.key, here
}

// headBase returns the object as a writer's base: HEAD, for the current
// ETag and the user metadata that a rewrite must keep.
func (n *File) headBase(ctx context.Context) (remote.ObjectInfo, error) {
	n.mu.Lock()
	key, last, cur := n.key, n.wr.last, n.info
	n.mu.Unlock()
	if last.ETag != "" && last.ETag == cur.etag && last.Key == key && last.Metadata != nil &&
		n.fsys.cfg.Clock().Sub(cur.fetched) < n.fsys.cfg.statTTL() {
		return last, nil
	}
	info, err := n.fsys.client.Head(ctx, n.bucket, key)
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	info.Key = key
	n.update(entryFromHead(n.snapshot().name, info), n.fsys.cfg.Clock(), false)
	return info, nil
}

// acquireWriter returns the node's writer for a new write handle,
// creating it over the current object (HEAD) if no handle writes yet.
func (n *File) acquireWriter(ctx context.Context) (*writeback.Writer, error) {
	n.io.RLock()
	defer n.io.RUnlock()
	n.mu.Lock()
	if w := n.wr.w; w != nil {
		n.wr.handles++
		n.mu.Unlock()
		return w, nil
	}
	n.mu.Unlock()
	base, err := n.headBase(ctx)
	if err != nil {
		return nil, err
	}
	w := n.fsys.writes.up.Open(n.bucket, base.Key, base)
	n.mu.Lock()
	won := n.wr.w == nil
	if won {
		n.wr.w = w
		n.moves.Add(1) // read handles now read through w
	}
	n.wr.handles++
	shared := n.wr.w
	n.mu.Unlock()
	if !won { // another open created the writer meanwhile
		w.Close()
	}
	return shared, nil
}

// commit makes S3 hold what the node's writer holds (flush, fsync): it
// returns once S3 acknowledged it, detached from the request's
// interruption. A node without writer, or unlinked, has nothing to commit.
func (n *File) commit(ctx context.Context, op string) error {
	n.mu.Lock()
	w, unlinked := n.wr.w, n.wr.unlinked
	n.mu.Unlock()
	if w == nil || unlinked {
		return nil
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	_, err := n.commitWriter(dctx, w)
	return writeFailed(op, err)
}

// commitWriter is the one commit-then-record sequence: it commits w, the
// node's writer, and when w held changes records the new version as the
// node's (committed). It returns what S3 holds.
func (n *File) commitWriter(ctx context.Context, w *writeback.Writer) (remote.ObjectInfo, error) {
	dirty := w.Dirty()
	info, err := w.Commit(ctx)
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	if dirty {
		n.committed(info, w.Mtime())
	}
	return info, nil
}

// committed records that S3 now holds info as the node's object, with
// the file's mtime, and makes it visible.
func (n *File) committed(info remote.ObjectInfo, mtime time.Time) {
	if mtime.IsZero() {
		mtime = n.snapshot().mtime
		if t, ok := parseMetaMtime(info.Metadata[remote.MetaMtime]); ok {
			mtime = t
		}
	}
	now := n.fsys.cfg.Clock()
	n.mu.Lock()
	n.info = fileInfo{entry: entry{name: n.info.name, size: info.Size, etag: info.ETag, mtime: mtime, metaMtime: true,
		stored: parseStored(info.Metadata, syscall.S_IFREG)}, fetched: now}
	n.wr.local = false
	key := n.key
	info.Key = key
	n.wr.last = info
	n.moves.Add(1)
	n.mu.Unlock()
	n.fsys.noteUpsert(n.bucket, key, false, info.Size, mtime, info.ETag)
}

// releaseWriter ends one write handle. The last one commits what is still
// uncommitted (a release after a failed flush does not retry: the error
// sticks and was returned by that flush), then closes the writer. A file
// created through the mount that never reached S3 disappears (the name
// shows what S3 has).
func (n *File) releaseWriter(ctx context.Context) {
	n.io.Lock()
	defer n.io.Unlock()
	n.mu.Lock()
	n.wr.handles--
	if n.wr.handles > 0 || n.wr.w == nil {
		n.mu.Unlock()
		return
	}
	w := n.wr.w
	n.wr.w = nil
	n.moves.Add(1)
	unlinked := n.wr.unlinked
	n.mu.Unlock()
	if !unlinked && w.Dirty() {
		dctx, cancel := n.fsys.detached(ctx)
		n.commitWriter(dctx, w) // a failure was returned by a flush, or is lost with the writer
		cancel()
	}
	w.Close()
	n.mu.Lock()
	gone := n.wr.local && !unlinked
	n.mu.Unlock()
	if gone {
		// Its commit failed: S3 may hold nothing there, or another
		// client's object (an exclusive create that lost). Forget what
		// the cache says rather than call the name missing.
		n.invalidate()
		n.fsys.noteInvalidate(n.bucket, n.objKey())
	}
}

// keepOnUnlink is the largest object whose bytes an open file keeps
// locally when it is removed, so that its handles can still read them.
const keepOnUnlink = 64 << 20

// preload copies a small object into the writer of the open file before it
// is removed (best effort: what is not kept reads as EIO afterwards); a
// file open only for reading gets a writer first (unlink_readers.go).
func (n *File) preload(ctx context.Context) {
	n.keepForReaders(ctx)
	if w := n.liveWriter(); w != nil {
		if err := w.Preload(ctx, keepOnUnlink); err != nil {
			n.fsys.log.Debug("unlink: could not keep the open file's content", "path", n.Path(), "err", err)
		}
	}
}

// unlinked records that the file was removed while open: its writer keeps
// serving the open handles from what it holds locally and never uploads
// again.
func (n *File) unlinked(ctx context.Context) {
	n.mu.Lock()
	n.wr.unlinked = true
	w := n.wr.w
	n.mu.Unlock()
	if w != nil {
		w.Detach(ctx)
	}
}
