package vfs

import (
	"context"
	"syscall"
	"time"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// nodeWrites is a file node's write state, guarded by File.mu: the one
// place that says which state a file is in. Every write handle of the
// node shares one writer (writeback.Writer), created by the first open for
// writing and closed when the last write handle is released: what one
// handle writes, the others read, and a flush of any of them commits it
// all.
//
// States, from the fields:
//
//	clean      w == nil                       reads pin a version in S3
//	writing    w != nil, !local, !unlinked    reads go through w
//	created    w != nil, local                not in S3 yet: lookups and
//	                                          listings answer from the node
//	unlinked   unlinked                       w (if any) serves the open
//	                                          handles, is never committed
//	kept       w != nil, kept != ""           removed while only read
//	                                          handles held it: w keeps the
//	                                          pinned version's bytes
//
// Transitions: create → created; open for writing → writing (acquireWriter);
// a commit (flush, fsync, rename, truncate or utimens by path, the last
// release) → the new version is recorded (commitWriter, committed) and
// created becomes writing; the last write handle's release → clean (a
// created file whose commit failed disappears); unlink or a rename over
// it → unlinked, after keepForReaders made a clean file with readers kept;
// the last read handle's release ends kept. Every change of w moves
// File.moves on, so read handles choose their source again.
type nodeWrites struct {
	w       *writeback.Writer // nil when no handle writes
	handles int               // open writeHandles
	// local: created through the mount and not yet in S3 (listings and
	// HEAD do not know it; lookups answer from the node).
	local bool
	// unlinked: removed while open. Its writer serves the open handles
	// but is never committed.
	unlinked bool
	// forReaders: the writer now serves only the read handles of a
	// removed file (opened for them at unlink, or left by the last write
	// handle) and is released with the last of them (unlink_readers.go).
	forReaders bool
	// kept: for such a writer opened at unlink, the ETag of the version it
	// keeps when that version came from another client: read handles
	// pinned to another version do not read through it. "" when every
	// read handle does (the version was written through this mount, or
	// the writer was the write handles').
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
// A flush of a file created through the mount that is still empty sends
// nothing (deferEmpty).
func (n *File) commit(ctx context.Context, op string) error {
	n.mu.Lock()
	w, unlinked, local := n.wr.w, n.wr.unlinked, n.wr.local
	n.mu.Unlock()
	if w == nil || unlinked {
		return nil
	}
	if op == "flush" && local && w.Size() == 0 {
		return nil // deferEmpty
	}
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	_, err := n.commitWriter(dctx, w)
	return writeFailed(op, err)
}

// deferEmpty: a new file reaches S3 with its content, not before it. A
// shell's `echo x > f` opens f, duplicates the descriptor onto stdout and
// closes the original before echo writes: that close is a flush of an
// empty file, and committing it would send an empty PutObject before the
// real one (other clients would see an empty file, event consumers get
// two events, a versioned bucket an extra version). So a flush of a file
// created through the mount, not in S3 yet and still empty, commits
// nothing; the file is visible on this mount meanwhile (localEntry). It
// reaches S3 at the first flush after it has content, at fsync, or at the
// release of its last descriptor (touch, `: > f`: just after the last
// close returns, too late for close to report a failure, which is
// logged).

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
	if n.wr.unlinked && n.readers > 0 && !n.wr.forReaders {
		// A removed file that read handles still hold: as on a local
		// file system they share its content with the write handles,
		// so the writer stays for them (unlink_readers.go).
		n.wr.handles, n.wr.forReaders, n.wr.kept = 1, true, ""
		n.mu.Unlock()
		return
	}
	w := n.wr.w
	unlinked := n.wr.unlinked
	n.mu.Unlock()
	// The writer stays the node's while its last commit runs (under the
	// io lock, which opens for writing and reads through it wait for):
	// an open meanwhile must not find the node without a writer and with
	// the attributes of the version before (a truncate by path that
	// joined this writer after its last close read as the old size).
	if !unlinked && w.Dirty() {
		dctx, cancel := n.fsys.detached(ctx)
		n.commitWriter(dctx, w) // a failure was returned by a flush, or is lost with the writer
		cancel()
	}
	n.mu.Lock()
	n.wr.w = nil
	n.moves.Add(1)
	gone := n.wr.local && !unlinked // only a commit clears local, and the io lock is ours
	n.mu.Unlock()
	w.Close()
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
