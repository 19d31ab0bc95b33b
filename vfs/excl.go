package vfs

import (
	"context"
	"errors"
)

// checkAbsent decides an exclusive create (O_CREAT|O_EXCL) at open: it
// returns ErrExist when name is a file being created through the mount,
// or when S3 holds anything of that name: the key, a directory NAME/ or
// a link NAME.rclonelink. The cache may say the name is absent from a
// listing up to ListTTL old, while another client has created it since;
// then the create would only fail at close, with If-None-Match, after the
// program wrote everything (cp: "failed to close: File exists"). So
// unless a lookup of that very name found it missing less than StatTTL
// ago (as the kernel's lookup right before a create does: tar x, cp -r
// into new directories then cost nothing more), or a batch of missing
// names requested less than StatTTL ago lacks it (missbatch.go), the
// lookup's own probe asks S3 (its requests run in parallel: one round
// trip). The
// conditional commit stays as the guard against a create racing this
// check.
func (n *Dir) checkAbsent(ctx context.Context, name string) error {
	if _, ok := n.localEntry(name); ok {
		return ErrExist
	}
	if n.cache().absentByKey(name) || n.fsys.knownMissing(n, name) {
		return nil
	}
	e, err := n.probe(ctx, name)
	switch {
	case errors.Is(err, errNoEntry):
		return nil
	case err != nil:
		return err
	}
	// Show it on this mount at once: the listing that missed it is stale.
	if !e.link {
		n.fsys.noteUpsert(n.bucket, fileKey(n.prefix(), name), e.dir, e.size, e.mtime, e.etag)
	}
	return ErrExist
}
