package writeback

import (
	"context"
	"errors"
)

// ErrGone is returned when a detached writer needs bytes it does not hold:
// the object they were in was deleted.
var ErrGone = errors.New("the file was removed and this data was not kept locally")

// Detach turns the writer into a local-only one, for a file removed while
// open: it never uploads again, and it keeps serving what it holds
// locally (bytes written, and bytes of the old object already read).
// Bytes only S3 had, or only a multipart upload in progress had, are gone:
// reading them fails with ErrGone (and if an upload was in progress, every
// later call does).
func (w *Writer) Detach(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached || w.closed {
		return
	}
	w.detached = true
	if w.mode != modeStreaming {
		return
	}
	if w.st.uploadID == "" {
		if err := w.toStaged(ctx); err != nil {
			w.err = err
		}
		return
	}
	w.st.abort(w)
	w.st = nil
	w.mode = modeClean
	w.err = ErrGone
}

// Preload copies the rest of the base object into the staging file when it
// is at most limit bytes, so that the writer holds the whole file locally
// (before a Detach). Larger objects are left as they are.
func (w *Writer) Preload(ctx context.Context, limit int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if w.baseLimit == 0 || w.baseLimit > limit || w.mode == modeStreaming || w.detached {
		return nil
	}
	if err := w.ensureStaged(); err != nil {
		return err
	}
	return w.sg.fill(ctx, w, 0, w.baseLimit)
}
