package writeback

import (
	"errors"
	"maps"

	"github.com/objfs/objfs/remote"
)

// ErrDirty is returned by Move on a writer with uncommitted changes.
var ErrDirty = errors.New("writer has uncommitted changes")

// Key returns the key the writer writes.
func (w *Writer) Key() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.key
}

// Move makes a clean writer the writer of key, in the same bucket, whose
// object is now base: a rename copied the committed object there. What
// the writer staged stays valid (it is the same content). It fails with
// ErrDirty when the writer holds uncommitted changes (commit first), or
// with the writer's sticky error.
func (w *Writer) Move(key string, base remote.ObjectInfo) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if w.dirty || w.metaDirty {
		return ErrDirty
	}
	if base.Metadata == nil {
		base.Metadata = maps.Clone(w.meta)
	}
	w.key = key
	w.base, w.baseLimit = base, w.size
	return nil
}
