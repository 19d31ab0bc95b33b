package writeback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// ErrClosed is returned by a Writer used after Close.
var ErrClosed = errors.New("writer closed")

// ErrExists is returned (wrapping remote.ErrPreconditionFailed) by the
// commit of a writer from Create with excl when the key exists.
var ErrExists = errors.New("object exists: exclusive create refused")

type mode int

const (
	modeClean     mode = iota // no data held; reads go to the base object
	modeStreaming             // sequential new data in a buffer and uploaded parts
	modeStaged                // data in a staging file over the base object
)

// Writer is one dirty version of one object (see the package doc). All
// methods are safe for concurrent use.
type Writer struct {
	u      *Uploader
	bucket string

	mu sync.Mutex
	// guarded by mu:
	key       string            // Move changes it (only while no upload runs)
	base      remote.ObjectInfo // the committed object this version derives from
	baseLimit int64             // bytes [0, baseLimit) of base are still this file's
	size      int64             // logical size
	mode      mode
	dirty     bool              // data differs from base
	metaDirty bool              // only metadata differs from base
	meta      map[string]string // user metadata for the next commit
	excl      bool              // first commit must not overwrite
	mtime     time.Time         // the file's mtime; zero: the base object's (see mtime.go)
	mtimeSet  bool              // mtime was set by SetMtime after the last write
	sentMtime time.Time         // the mtime the last upload carried
	// dirtySince is when the version S3 has not acknowledged began to
	// differ from base (zero when clean): the age of a pending upload.
	dirtySince time.Time
	sentMeta   map[string]string // the metadata the last upload carried (see metaChangedSinceSent)
	err        error             // sticky failure
	detached   bool              // the file was removed: local only (detach.go)
	closed     bool
	st         *stream // modeStreaming
	sg         *stage  // modeStaged
}

func (w *Writer) setBase(info remote.ObjectInfo) {
	w.base = info
	w.baseLimit = info.Size
	w.size = info.Size
	if info.Metadata != nil {
		w.meta = maps.Clone(info.Metadata)
	}
}

// Size returns the file's current logical size.
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.size
}

// Dirty reports whether the writer holds data or metadata S3 does not have.
func (w *Writer) Dirty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dirty || w.metaDirty
}

// Base returns the object this version derives from (after a commit: the
// committed object).
func (w *Writer) Base() remote.ObjectInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.base
}

func (w *Writer) pendingBytes() (int64, time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.size, w.dirtySince, w.dirty || w.metaDirty
}

// markDirty records when the pending version began. Called with mu held.
func (w *Writer) markDirty(now time.Time) {
	if w.dirtySince.IsZero() {
		w.dirtySince = now
	}
}

// Metadata returns a copy of the user metadata the next commit stores.
func (w *Writer) Metadata() map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.meta)
}

// SetMetadata sets user metadata keys (e.g. remote.MetaMtime) for the next
// commit.
func (w *Writer) SetMetadata(kv map[string]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.meta == nil {
		w.meta = map[string]string{}
	}
	for k, v := range kv {
		if w.meta[k] != v {
			w.meta[k] = v
			w.metaDirty = true
			w.markDirty(w.u.cfg.Clock())
		}
	}
}

func (w *Writer) usable() error {
	if w.closed {
		return ErrClosed
	}
	return w.err
}

// WriteAt writes p at off.
func (w *Writer) WriteAt(ctx context.Context, p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return 0, err
	}
	w.touch()
	if w.mode == modeClean && w.baseLimit == 0 && off == 0 && !w.detached {
		w.mode, w.st = modeStreaming, newStream()
	}
	if w.mode == modeStreaming {
		if ok, err := w.streamWrite(ctx, p, off); ok || err != nil {
			return w.fail(len(p), err)
		}
		if err := w.toStaged(ctx); err != nil {
			return w.fail(0, err)
		}
	}
	if err := w.ensureStaged(); err != nil {
		return 0, err
	}
	if err := w.sg.writeAt(p, off); err != nil {
		return 0, err
	}
	w.size = max(w.size, off+int64(len(p)))
	w.dirty = true
	return len(p), nil
}

// fail records a sticky error from the upload path.
func (w *Writer) fail(n int, err error) (int, error) {
	if err != nil {
		if w.err == nil && !errors.Is(err, context.Canceled) {
			// The version being written cannot reach S3 any more: drop it
			// now so that no multipart upload is left behind.
			w.err = err
			w.u.cfg.Logger.Error("upload failed: the file's unsaved changes are lost", "bucket", w.bucket, "key", w.key, "err", err)
			w.discard()
		}
		return 0, err
	}
	return n, nil
}

// ReadAt reads the file's current content (what the next commit would
// upload).
func (w *Writer) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return 0, err
	}
	if off >= w.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), w.size-off)]
	switch w.mode {
	case modeStreaming:
		if n, ok := w.st.readAt(p, off); ok {
			return n, nil
		}
		if err := w.toStaged(ctx); err != nil {
			return w.fail(0, err)
		}
	case modeClean:
		if err := w.ensureStaged(); err != nil {
			return 0, err
		}
	}
	if err := w.sg.fill(ctx, w, off, off+int64(len(p))); err != nil {
		return 0, err
	}
	return w.sg.f.ReadAt(p, off)
}

// Truncate sets the file's size. A truncate to the size the file has
// still moves its mtime (a metadata-only copy at commit when nothing else
// changed): POSIX requires it of ftruncate and of open with O_TRUNC, which
// the kernel sends as this same truncate and leaves the time to the file
// system, and Linux's file systems do it for truncate too.
func (w *Writer) Truncate(ctx context.Context, size int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if size == w.size {
		w.touch()
		if !w.dirty {
			w.metaDirty = true
		}
		return nil
	}
	w.touch()
	if size == 0 {
		w.discard()
		w.baseLimit, w.size, w.dirty = 0, 0, true
		return nil
	}
	if w.mode == modeStreaming {
		if w.st.truncate(size) {
			w.size = size
			return nil
		}
		if err := w.toStaged(ctx); err != nil {
			_, err = w.fail(0, err)
			return err
		}
	}
	if err := w.ensureStaged(); err != nil {
		return err
	}
	if err := w.sg.truncate(w.size, size); err != nil {
		return err
	}
	w.baseLimit = min(w.baseLimit, size)
	w.size = size
	w.dirty = true
	return nil
}

// Commit makes S3 hold exactly the writer's content and metadata, and
// returns the new object. It returns only once S3 acknowledged it. On
// failure any multipart upload is aborted and the error sticks.
func (w *Writer) Commit(ctx context.Context) (remote.ObjectInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return remote.ObjectInfo{}, err
	}
	if w.detached {
		return w.base, nil
	}
	var info remote.ObjectInfo
	var err error
	switch {
	case w.dirty && w.mode == modeStreaming:
		info, err = w.commitStream(ctx)
	case w.dirty && w.mode == modeStaged:
		info, err = w.commitStaged(ctx)
	case w.dirty: // truncated to zero and never written
		info, err = w.put(ctx, emptyReader{}, 0)
	case w.metaDirty:
		info, err = w.copyMeta(ctx, w.base)
	default:
		return w.base, nil
	}
	if err == nil {
		// needsMtimeCopy first: it also settles the file's mtime.
		if mtimeCopy := w.needsMtimeCopy(); mtimeCopy || w.metaChangedSinceSent() {
			info, err = w.copyMeta(ctx, info)
		}
	}
	if err != nil {
		if w.excl && errors.Is(err, remote.ErrPreconditionFailed) {
			err = fmt.Errorf("%w: %w", ErrExists, err)
		}
		w.err = err
		w.u.cfg.Logger.Error("upload failed", "bucket", w.bucket, "key", w.key, "err", err)
		return remote.ObjectInfo{}, err
	}
	w.committed(info)
	return w.base, nil
}

// copyMeta replaces the metadata of the committed object src (of the
// writer's size) with the writer's, server-side.
func (w *Writer) copyMeta(ctx context.Context, src remote.ObjectInfo) (remote.ObjectInfo, error) {
	info, err := w.u.Copy(ctx, CopySpec{
		SrcBucket: w.bucket, SrcKey: w.key, SrcETag: src.ETag, Size: w.size,
		DstBucket: w.bucket, DstKey: w.key, Metadata: w.uploadMeta(),
	})
	if err == nil {
		info.Metadata = maps.Clone(w.meta)
	}
	return info, err
}

// committed moves the writer onto the object S3 now holds. A staging file
// stays: its content is the new object's, useful for later reads.
func (w *Writer) committed(info remote.ObjectInfo) {
	if info.Metadata == nil {
		info.Metadata = maps.Clone(w.meta)
	}
	if w.st != nil {
		w.st.release(w.u)
		w.st = nil
	}
	w.base, w.baseLimit = info, w.size
	w.dirty, w.metaDirty, w.excl = false, false, false
	w.dirtySince = time.Time{}
	if w.sg != nil {
		w.sg.dirty = nil
		w.mode = modeStaged
	} else {
		w.mode = modeClean
	}
}

func (w *Writer) put(ctx context.Context, body io.ReadSeeker, size int64) (remote.ObjectInfo, error) {
	info, err := w.u.client.Put(ctx, remote.PutRequest{
		Bucket: w.bucket, Key: w.key, Body: body, Size: size,
		Metadata: w.uploadMeta(), IfNoneMatch: w.excl,
	})
	if err != nil {
		return info, err
	}
	info.Size = size
	return info, nil
}

// Close releases the writer's buffers and staging file. Uncommitted data is
// dropped (fs commits before closing); an unfinished multipart upload is
// aborted.
func (w *Writer) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.discard()
	w.closed = true
	w.u.forget(w)
}

// discard drops all uncommitted data and returns to a clean writer.
func (w *Writer) discard() {
	if w.st != nil {
		w.st.abort(w)
		w.st = nil
	}
	if w.sg != nil {
		w.sg.close()
		w.sg = nil
	}
	w.mode = modeClean
}

func (w *Writer) ensureStaged() error {
	if w.mode == modeStaged {
		return nil
	}
	sg, err := newStage(w.u.cfg.StageDir, w.size)
	if err != nil {
		return fmt.Errorf("staging %s/%s: %w", w.bucket, w.key, err)
	}
	w.sg, w.mode = sg, modeStaged
	return nil
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error)       { return 0, io.EOF }
func (emptyReader) Seek(int64, int) (int64, error) { return 0, nil }
