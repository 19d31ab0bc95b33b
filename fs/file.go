package fs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
)

// fileInfo is what a file node knows about its object.
type fileInfo struct {
	entry
	fetched time.Time // when the listing or HEAD that gave it started
	listed  bool      // from a directory listing (else from HEAD)
}

// fileNode is a regular file: one object key. Per-node state is the
// object's last known attributes, the page-cache bookkeeping and the write
// state (the writer its write handles share, write_node.go); per-open
// state (the pinned version and its blocks) lives on fileHandle, and on
// writeHandle for opens that may write.
type fileNode struct {
	gofs.Inode
	readOnlyNode

	fsys   *FS
	bucket string

	// io orders the node's data operations against the ones that move or
	// end its writer: reads, writes, flushes and fsyncs share it; release
	// of the last write handle, rename, unlink and truncate or utimens by
	// path hold it alone (see write_node.go).
	io sync.RWMutex

	mu   sync.Mutex // guards key, info, changed, pages, wr and readers
	key  string     // a rename moves the node to another key
	info fileInfo
	wr   nodeWrites
	// changed is when a read found the object changed: attributes fetched
	// before then are out of date and ignored.
	changed time.Time
	pages   pageCache
	readers int // open read handles (fileHandle)

	// moves counts the changes (made under mu) that can move a read
	// handle to another key or version: a commit, a rename, the end of
	// the writer, new attributes. A read compares it with the count its
	// handle last saw and takes mu only when they differ (fileHandle.reader).
	moves atomic.Uint64
}

var (
	_ = (gofs.NodeGetattrer)((*fileNode)(nil))
	_ = (gofs.NodeOpener)((*fileNode)(nil))
	_ = (gofs.NodeStatfser)((*fileNode)(nil))
)

func (f *FS) newFile(bucket, key string, e entry, fetched time.Time, listed bool) *fileNode {
	return &fileNode{fsys: f, bucket: bucket, key: key, info: fileInfo{entry: e, fetched: fetched, listed: listed}}
}

func (n *fileNode) path() string { return s3Scheme + n.bucket + "/" + n.objKey() }

// update records attributes from a listing or HEAD that started at
// fetched. Older news than what the node has is ignored; a listing of the
// same version keeps the mtime a HEAD found in x-amz-meta-mtime.
func (n *fileNode) update(e entry, fetched time.Time, listed bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if fetched.Before(n.info.fetched) || fetched.Before(n.changed) {
		return
	}
	if !e.metaMtime && n.info.metaMtime && e.etag == n.info.etag {
		e.mtime, e.metaMtime = n.info.mtime, true
	}
	e.name = n.info.name
	n.info = fileInfo{entry: e, fetched: fetched, listed: listed}
	n.moves.Add(1)
}

// invalidate marks the attributes stale (the object changed), including
// any that a listing fetched before now.
func (n *fileNode) invalidate() {
	now := n.fsys.cfg.Clock()
	n.mu.Lock()
	n.info.fetched = time.Time{}
	n.changed = now
	n.mu.Unlock()
}

// snapshot returns the node's current attributes.
// While the file is being written, size and mtime are the writer's: the
// kernel must never learn an older size from a listing or READDIRPLUS
// (an O_APPEND write would then land at that offset).
func (n *fileNode) snapshot() fileInfo {
	info, _ := n.localInfo()
	return info
}

// current returns attributes no older than the TTL that applies: StatTTL
// for an open (which pins a version), and for stat the longer ListTTL when
// they came from a listing. Stale attributes are refreshed with HEAD.
func (n *fileNode) current(ctx context.Context, forOpen bool) (fileInfo, error) {
	cfg := n.fsys.cfg
	info := n.snapshot()
	age := cfg.Clock().Sub(info.fetched)
	if age < cfg.statTTL() || (!forOpen && info.listed && age < cfg.listTTL()) {
		return info, nil
	}
	now := cfg.Clock()
	obj, err := n.fsys.client.Head(ctx, n.bucket, n.objKey())
	if err != nil {
		return fileInfo{}, err
	}
	fresh := fileInfo{entry: entryFromHead(info.name, obj), fetched: now}
	n.update(fresh.entry, now, false)
	return fresh, nil
}

// attr fills out from info.
func (n *fileNode) attr(out *fuse.Attr, info fileInfo) {
	n.fsys.cfg.fileAttr(out, n.StableAttr().Ino, info.size, info.mtime)
	n.fsys.restrictMode(out, n.bucket, n.objKey()) // connector_policy.go
}

// Getattr answers stat from the node's attributes, refreshed when stale;
// while the file is being written, from its writer (no request).
func (n *fileNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	info, ok := n.localInfo()
	var err error
	if !ok {
		info, err = n.current(ctx, false)
	}
	if err != nil {
		return n.fsys.fail("getattr", n.path(), err)
	}
	n.attr(&out.Attr, info)
	out.SetTimeout(n.fsys.cfg.statTTL())
	return 0
}

// Open opens the file for reading, pinned to the version the node knows
// (revalidated with HEAD when older than StatTTL). Opening for writing or
// with O_TRUNC gives a writeHandle (write_handle.go). While the file is
// being written, reads go through its writer and the version is pinned
// at the first read after the writer is gone.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0 {
		return n.openWrite(ctx, flags)
	}
	if n.liveWriter() != nil {
		n.readerOpened()
		return &fileHandle{n: n, lazy: true}, fuse.FOPEN_NOFLUSH, 0
	}
	info, err := n.current(ctx, true)
	if err != nil {
		return nil, 0, n.fsys.fail("open", n.path(), err)
	}
	n.mu.Lock()
	keep, direct := n.pages.opened(info.etag)
	n.mu.Unlock()
	obj := object{bucket: n.bucket, key: n.objKey(), etag: info.etag, size: info.size}
	h := &fileHandle{n: n, etag: info.etag, direct: direct,
		r: newReader(n.fsys, obj)}
	n.readerOpened()
	// A read-only handle has nothing to flush: FOPEN_NOFLUSH spares every
	// close(2) a round trip through the daemon (kernels before 5.16 ignore
	// it and send the FLUSH, answered at once).
	fuseFlags := uint32(fuse.FOPEN_NOFLUSH)
	switch {
	case direct || n.fsys.cfg.ReadCache.DirectIO:
		fuseFlags |= fuse.FOPEN_DIRECT_IO
	case keep:
		fuseFlags |= fuse.FOPEN_KEEP_CACHE
	}
	return h, fuseFlags, 0
}

// fileHandle is one read-only open of a file: the pinned version and its
// reader. A handle opened while the file was being written (lazy) pins
// the version at its first read without a writer.
type fileHandle struct {
	n      *fileNode
	direct bool        // bypasses the page cache (see pageCache)
	lazy   bool        // opened during a write: no pin, not counted in pages
	warned atomic.Bool // the change of version was logged

	// rmu guards etag and r: set at open, or at the first read of a lazy
	// handle, and replaced when the handle follows a version written
	// through the mount. Taken before fileNode.mu.
	rmu  sync.Mutex
	etag string
	r    *reader
	seen uint64 // fileNode.moves when etag and r were last checked
}

var (
	_ = (gofs.FileReader)((*fileHandle)(nil))
	_ = (gofs.FileReleaser)((*fileHandle)(nil))
	_ = (gofs.FileFlusher)((*fileHandle)(nil))
	_ = (gofs.FileFsyncer)((*fileHandle)(nil))
)

// Read reads from the pinned version; EIO if the object changed since
// open. While the file is being written it reads what the writer holds.
func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if w := h.writer(); w != nil {
		return h.n.readWriter(ctx, w, dest, off)
	}
	r, etag := h.reader()
	data, release, err := r.Read(ctx, dest, off) // may be the cached block itself: no copy
	if err != nil {
		// A deleted object is a changed one: EIO, as for a new version
		// (a file removed through the mount keeps its content instead).
		if errors.Is(err, remote.ErrPreconditionFailed) || errors.Is(err, remote.ErrNotFound) {
			return nil, h.changed(etag)
		}
		return nil, h.n.fsys.fail("read", h.n.path(), err)
	}
	return readResult(data, release), 0
}

// reader returns the handle's reader and the ETag it pins; a lazy handle
// pins the node's current version on first use. A handle follows its file
// through a rename on this mount, and to a version written through this
// mount since it pinned its own (an append by another process, as
// `tail -f` expects of a local file): that version holds what this node's
// writers wrote, so nothing foreign is mixed in. Changes made by other
// clients still give EIO (changed). Reads are hot: the node's lock is
// taken only when its move count changed since this handle last looked.
func (h *fileHandle) reader() (*reader, string) {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	if moves := h.n.moves.Load(); h.r == nil || moves != h.seen {
		h.seen = moves
		h.repin()
	}
	return h.r, h.etag
}

// repin (h.rmu held) pins a lazy handle's first version, or moves the
// handle to the node's key and version when it may: the same version
// under a new key (a rename), or a version written through this mount.
func (h *fileHandle) repin() {
	info, key, here := h.n.pinState()
	switch {
	case h.r == nil:
		h.etag = info.etag
		h.r = newReader(h.n.fsys, object{bucket: h.n.bucket, key: key, etag: info.etag, size: info.size})
	case info.etag == h.etag && key != h.r.obj.key, here && info.etag != h.etag:
		h.follow(info, key)
	}
}

// follow repins the handle (h.rmu held) to info at key, moving its
// page-cache count along.
func (h *fileHandle) follow(info fileInfo, key string) {
	if !h.direct && !h.lazy {
		h.n.mu.Lock()
		h.n.pages.moved(h.etag, info.etag)
		h.n.mu.Unlock()
	}
	h.r.release()
	h.etag = info.etag
	h.r = newReader(h.n.fsys, object{bucket: h.n.bucket, key: key, etag: info.etag, size: info.size})
}

// changed handles a read after the object changed: EIO, one log line per
// handle, and the node's attributes marked stale so that the next open
// pins the new version at once.
func (h *fileHandle) changed(etag string) syscall.Errno {
	h.n.invalidate()
	if !h.warned.Swap(true) {
		h.n.fsys.log.Warn("object changed while open (a new version, or deleted): reads of this open file fail with EIO (bytes of two versions are never mixed); open it again",
			"path", h.n.path(), "etag", etag)
	}
	return syscall.EIO
}

// Release closes the handle and drops its blocks.
func (h *fileHandle) Release(ctx context.Context) syscall.Errno {
	h.rmu.Lock()
	r, etag := h.r, h.etag
	h.rmu.Unlock()
	if r != nil {
		r.release()
	}
	if !h.direct && !h.lazy {
		h.n.mu.Lock()
		h.n.pages.released(etag)
		h.n.mu.Unlock()
	}
	h.n.readerReleased(ctx)
	return 0
}

// Flush has nothing to do on a read-only handle.
func (h *fileHandle) Flush(ctx context.Context) syscall.Errno { return 0 }

// Fsync has nothing to do on a read-only handle.
func (h *fileHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return 0 }
