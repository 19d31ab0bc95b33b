package vfs

import (
	"context"
	"errors"
)

// checkAbsent decides an exclusive create (O_CREAT|O_EXCL) at open: it
// returns ErrExist when name is a file being created through the mount,
// or when S3 holds the key. The cache may say the name is absent from a
// listing up to ListTTL old, while another client has created it since;
// then the create would only fail at close, with If-None-Match, after the
// program wrote everything (cp: "failed to close: File exists"). So
// unless a lookup of that very name found it missing less than StatTTL
// ago (as the kernel's lookup right before a create does: tar x, cp -r
// into new directories then cost nothing more), or a batch of missing
// names requested less than StatTTL ago lacks it (missbatch.go), one HEAD
// asks S3. The
// conditional commit stays as the guard against a create racing this
// check.
func (n *Dir) checkAbsent(ctx context.Context, name string) error {
	if _, ok := n.localEntry(name); ok {
		return ErrExist
	}
	if n.cache().absentByKey(name) || n.fsys.knownMissing(n, name) {
		return nil
	}
	key := fileKey(n.prefix(), name)
	info, err := n.fsys.client.Head(ctx, n.bucket, key)
	switch {
	case errors.Is(err, ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	// Show it on this mount at once: the listing that missed it is stale.
	e := entryFromHead(name, info)
	n.fsys.noteUpsert(n.bucket, key, false, e.size, e.mtime, e.etag)
	return ErrExist
}
