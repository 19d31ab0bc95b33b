package vfs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// fileInfo is what a file node knows about its object.
type fileInfo struct {
	entry
	fetched time.Time // when the listing or HEAD that gave it started
	listed  bool      // from a directory listing (else from HEAD)
}

// File is a regular file: one object key. Per-node state is the
// object's last known attributes, the page-cache bookkeeping and the write
// state (the writer its write handles share, write_node.go); per-open
// state (the pinned version and its blocks) lives on ReadHandle, and on
// WriteHandle for opens that may write.
type File struct {
	link
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
	readers int // open read handles (ReadHandle)

	// moves counts the changes (made under mu) that can change what a
	// read handle reads: a commit, a rename, a writer that starts or
	// ends, new attributes. A read compares it with the count its handle
	// last saw and takes mu only when they differ (ReadHandle.source).
	moves atomic.Uint64
}

func (f *FS) newFile(bucket, key string, e entry, fetched time.Time, listed bool) *File {
	e.s3 = e.s3.stamped(fetched)
	return &File{fsys: f, bucket: bucket, key: key, info: fileInfo{entry: e, fetched: fetched, listed: listed},
		link: f.newLink(f.freeIno(bucket, key))}
}

// FS returns the tree the file belongs to.
func (n *File) FS() *FS { return n.fsys }

// IsDir is false.
func (n *File) IsDir() bool { return false }

// Path names the file's object for logs.
func (n *File) Path() string { return s3Scheme + n.bucket + "/" + n.objKey() }

// busy reports whether the file has open handles (Forget keeps it).
func (n *File) busy() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.readers > 0 || n.wr.handles > 0
}

// update records attributes from a listing or HEAD that started at
// fetched. Older news than what the node has is ignored; a listing of the
// same version keeps the mtime a HEAD found in x-amz-meta-mtime.
func (n *File) update(e entry, fetched time.Time, listed bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if fetched.Before(n.info.fetched) || fetched.Before(n.changed) {
		return
	}
	if !e.metaMtime && n.info.metaMtime && e.etag == n.info.etag {
		e.mtime, e.metaMtime = n.info.mtime, true
	}
	if listed && e.etag == n.info.etag { // a listing has no metadata: keep what a HEAD found
		e.stored, e.s3 = n.info.stored, n.info.s3
	} else {
		e.s3 = e.s3.stamped(fetched)
	}
	e.name = n.info.name
	n.info = fileInfo{entry: e, fetched: fetched, listed: listed}
	n.moves.Add(1)
}

// invalidate marks the attributes stale (the object changed), including
// any that a listing fetched before now.
func (n *File) invalidate() {
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
func (n *File) snapshot() fileInfo {
	info, _ := n.localInfo()
	return info
}

// current returns attributes no older than the TTL that applies: StatTTL
// for an open (which pins a version), and for stat the longer ListTTL when
// they came from a listing. Stale attributes are refreshed with HEAD.
func (n *File) current(ctx context.Context, forOpen bool) (fileInfo, error) {
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

// attr returns the attributes of info.
func (n *File) attr(info fileInfo) Attr {
	a := n.fsys.cfg.fileAttr(n.ino, info.size, info.mtime)
	a.Unlinked = n.isUnlinked()
	n.fsys.cfg.apply(&a, info.stored, n.fsys.cfg.Fixed.FileMode) // ownership.go
	n.fsys.restrictMode(&a, n.bucket, n.objKey())                // connector_policy.go
	return a
}

// Attr answers stat from the node's attributes, refreshed when stale;
// while the file is being written, from its writer (no request).
func (n *File) Attr(ctx context.Context) (Attr, error) {
	info, ok := n.localInfo()
	var err error
	if !ok {
		info, err = n.current(ctx, false)
	}
	if err != nil {
		return Attr{}, err
	}
	return n.attr(info), nil
}

// KnownAttr returns the attributes the node has, without a request (a
// lookup's answer).
func (n *File) KnownAttr() Attr { return n.attr(n.snapshot()) }

// OpenFlags tell the adapter how the kernel may cache an open file's
// pages: Keep keeps what it cached (the same version as before), Direct
// bypasses the page cache (see pageCache). AttrChanged says that the open
// found a new version (its HEAD after StatTTL, or a write open's writer
// over a newer object than lookups saw): the size and mtime the kernel
// holds (a lookup may have answered them from a listing up to ListTTL
// old) are stale, and the adapter must make it ask again, or it would cut
// the new version's reads at the old size, and lseek(SEEK_END) and fstat
// of a read-write open would give the old size.
type OpenFlags struct {
	Keep, Direct bool
	AttrChanged  bool
}

// Handle is an open file: a *ReadHandle or a *WriteHandle.
type Handle interface {
	// Release ends the open.
	Release(ctx context.Context)
}

// Open opens the file for reading, pinned to the version the node knows
// (revalidated with HEAD when older than StatTTL). Opening for writing or
// with O_TRUNC gives a *WriteHandle (write_handle.go). While the file is
// being written, reads go through its writer and the version is pinned
// at the first read after the writer is gone.
func (n *File) Open(ctx context.Context, flags int) (Handle, OpenFlags, error) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0 {
		h, changed, err := n.openWrite(ctx, flags)
		if err != nil {
			return nil, OpenFlags{}, err
		}
		return h, OpenFlags{AttrChanged: changed}, nil
	}
	n.fsys.attach(n)
	if n.liveWriter() != nil {
		n.readerOpened()
		return &ReadHandle{n: n, lazy: true}, OpenFlags{}, nil
	}
	before := n.snapshot()
	info, err := n.current(ctx, true)
	if err != nil {
		return nil, OpenFlags{}, err
	}
	changed := info.etag != before.etag || info.size != before.size
	n.mu.Lock()
	keep, direct := n.pages.opened(info.etag)
	n.mu.Unlock()
	obj := object{bucket: n.bucket, key: n.objKey(), etag: info.etag, size: info.size}
	h := &ReadHandle{n: n, etag: info.etag, direct: direct,
		r: newReader(n.fsys, obj), whole: n.fsys.openWhole(obj)}
	n.readerOpened()
	if d, name := n.placeIn(n.fsys); d != nil {
		e := info.entry
		e.name = name
		n.fsys.prefetch.opened(d, n, e) // prefetch.go
	}
	return h, OpenFlags{Keep: keep && !direct, Direct: direct || n.fsys.cfg.ReadCache.DirectIO, AttrChanged: changed}, nil
}

// ReadHandle is one read-only open of a file: the pinned version and its
// reader. A handle opened while the file was being written (lazy) pins
// the version at its first read without a writer.
type ReadHandle struct {
	n      *File
	direct bool        // bypasses the page cache (see pageCache)
	lazy   bool        // opened during a write: no pin, not counted in pages
	warned atomic.Bool // the change of version was logged

	// rmu guards etag, r, w, seen and chosen: etag and r are set at
	// open, or at the first read of a lazy handle, and replaced when the
	// handle follows a version written through the mount; w is the
	// writer reads go through instead (nil: the reader). Taken before
	// File.mu.
	rmu    sync.Mutex
	etag   string
	r      *reader
	w      *writeback.Writer
	seen   uint64 // File.moves when the source was last chosen
	chosen bool   // the source was chosen once

	// whole is the pinned version's cache file when it is fully cached
	// (passthrough.go); set at open, closed by DropWhole or Release.
	whole *cache.Whole
}

// Read reads from the pinned version; ErrChanged if the object changed
// since open. While the file is being written it reads what the writer
// holds. data may be a cached block itself (no copy): the caller calls
// release (never nil) once it has used data.
func (h *ReadHandle) Read(ctx context.Context, dest []byte, off int64) (data []byte, release func(), err error) {
	res, err := h.read(ctx, dest, off, readShare)
	return res.Data, res.Release, err
}

// ReadSpan is Read for an adapter that can send a file range: a range of
// one block on the disk cache (verified) comes back as that range of the
// cache file (ReadResult.File) instead of bytes.
func (h *ReadHandle) ReadSpan(ctx context.Context, dest []byte, off int64) (ReadResult, error) {
	return h.read(ctx, dest, off, readSpan)
}

func (h *ReadHandle) read(ctx context.Context, dest []byte, off int64, mode readMode) (ReadResult, error) {
	w, r, etag := h.source()
	for tries := 0; w != nil; tries++ {
		n, err := h.n.readWriter(ctx, w, dest, off)
		if err != errWriterGone || tries == 2 {
			return ReadResult{Data: dest[:n], Release: func() {}}, err
		}
		// The writer ended while this read waited for it (its last
		// release committed it): choose again, now the new version.
		w, r, etag = h.source()
	}
	res, err := r.read(ctx, dest, off, mode)
	if err != nil {
		// A deleted object is a changed one: EIO, as for a new version
		// (a file removed through the mount keeps its content instead).
		if errors.Is(err, remote.ErrPreconditionFailed) || errors.Is(err, remote.ErrNotFound) {
			return ReadResult{}, h.changed(etag)
		}
		return ReadResult{}, err
	}
	if res.Release == nil {
		res.Release = func() {}
	}
	return res, nil
}

// source returns what the handle reads from: the node's writer (w not
// nil, see File.writerFor), else its reader and the ETag it pins; a lazy
// handle pins the node's current version at its first read without a
// writer. A handle follows its file through a rename on this mount, and
// to a version written through this mount since it pinned its own (an
// append by another process, as `tail -f` expects of a local file): that
// version holds what this node's writers wrote, so nothing foreign is
// mixed in. Changes made by other clients still give EIO (changed).
// Reads are hot: the source is chosen again, under the node's lock, only
// when the node's move count changed since this handle last looked (every
// change of its writer, version or key moves it on).
func (h *ReadHandle) source() (w *writeback.Writer, r *reader, etag string) {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	if moves := h.n.moves.Load(); !h.chosen || moves != h.seen {
		h.seen, h.chosen = moves, true
		h.w = h.n.writerFor(h.etag)
		if h.w == nil {
			h.repin()
		}
	}
	return h.w, h.r, h.etag
}

// repin (h.rmu held) pins a lazy handle's first version, or moves the
// handle to the node's key and version when it may: the same version
// under a new key (a rename), or a version written through this mount.
func (h *ReadHandle) repin() {
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
func (h *ReadHandle) follow(info fileInfo, key string) {
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
func (h *ReadHandle) changed(etag string) error {
	h.n.invalidate()
	if !h.warned.Swap(true) {
		h.n.fsys.log.Warn("object changed while open (a new version, or deleted): reads of this open file fail with EIO (bytes of two versions are never mixed); open it again",
			"path", h.n.Path(), "etag", etag)
	}
	return ErrChanged
}

// Release closes the handle and drops its blocks.
func (h *ReadHandle) Release(ctx context.Context) {
	h.rmu.Lock()
	r, etag := h.r, h.etag
	h.rmu.Unlock()
	if r != nil {
		r.release()
	}
	h.DropWhole()
	if !h.direct && !h.lazy {
		h.n.mu.Lock()
		h.n.pages.released(etag)
		h.n.mu.Unlock()
	}
	h.n.readerReleased(ctx)
}
