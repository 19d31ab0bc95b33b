package writeback

import (
	"fmt"
	"maps"
	"time"

	"github.com/objfs/objfs/remote"
)

// Modification times. Every object a Writer uploads carries the file's
// mtime in x-amz-meta-mtime (remote.MetaMtime), so that it survives a
// remount. The mtime is the time of the last write or truncate, or what
// SetMtime (utimens) set after it. A streaming multipart upload has to
// send its metadata when it starts, before the last write: unless SetMtime
// asked for a specific time, the file's mtime becomes the one that upload
// carried (the time of the write that filled the first part), so that what
// the mount shows after the commit is what S3 stores. A time set with
// SetMtime always wins: if the upload started with another one, the commit
// ends with a metadata-only copy.

// FormatMtime formats t the way x-amz-meta-mtime holds it: seconds since
// the epoch, a dot and nine digits of nanoseconds, as rclone writes it.
func FormatMtime(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// Mtime returns the file's mtime as the writer knows it, or the zero time
// when the writer has not changed the base object (whose own attributes
// then apply).
func (w *Writer) Mtime() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mtime
}

// SetMtime sets the file's mtime (utimens). The next commit stores it:
// with the data when there is any, else with a metadata-only copy.
func (w *Writer) SetMtime(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mtime, w.mtimeSet = t, true
	if w.meta[remote.MetaMtime] != FormatMtime(t) {
		w.metaDirty = true
		w.markDirty(w.u.cfg.Clock())
	}
}

// touch records a change of content now. Called with mu held.
func (w *Writer) touch() {
	w.mtime, w.mtimeSet = w.u.cfg.Clock(), false
	w.markDirty(w.mtime)
}

// uploadMeta returns the user metadata for an upload that starts now, with
// the mtime stamped, and remembers which mtime it carries. Called with mu
// held.
func (w *Writer) uploadMeta() map[string]string {
	if w.meta == nil {
		w.meta = map[string]string{}
	}
	if !w.mtime.IsZero() {
		w.meta[remote.MetaMtime] = FormatMtime(w.mtime)
		w.sentMtime = w.mtime
	}
	w.sentMeta = maps.Clone(w.meta)
	return maps.Clone(w.meta)
}

// metaChangedSinceSent reports whether metadata other than the mtime
// (SetMetadata: chmod, chown) changed after the last upload started: a
// streaming upload sends its metadata when it starts, so a chmod during
// it needs a metadata copy after it completes. Called with mu held.
func (w *Writer) metaChangedSinceSent() bool {
	if w.sentMeta == nil {
		return false
	}
	for k, v := range w.meta {
		if k != remote.MetaMtime && w.sentMeta[k] != v {
			return true
		}
	}
	for k := range w.sentMeta {
		if _, ok := w.meta[k]; !ok && k != remote.MetaMtime {
			return true
		}
	}
	return false
}

// needsMtimeCopy reports whether a successful upload stored another mtime
// than the one SetMtime asked for since it started. Otherwise the file's
// mtime becomes the stored one. Called with mu held.
func (w *Writer) needsMtimeCopy() bool {
	if w.mtimeSet && !w.mtime.Equal(w.sentMtime) {
		return true
	}
	if !w.sentMtime.IsZero() {
		w.mtime = w.sentMtime
	}
	return false
}
