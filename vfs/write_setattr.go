package vfs

import (
	"context"
	"syscall"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/vfs/writeback"
)

// AttrChange is what a SETATTR asks of a file's content and metadata;
// atime is accepted and not stored. Mode (permission bits), UID and GID
// are stored in the object's metadata (ownership.go) unless the mount
// fixes them.
type AttrChange struct {
	Size     int64
	HasSize  bool
	Mtime    time.Time // the time to set; MtimeNow takes the FS's clock
	HasMtime bool
	MtimeNow bool
	Mode     uint32 // permission bits (setuid, setgid, sticky included)
	HasMode  bool
	UID, GID uint32
	HasUID   bool
	HasGID   bool
}

// resolved returns c with "now" read from the FS's clock.
func (f *FS) resolved(c AttrChange) AttrChange {
	if c.HasMtime && c.MtimeNow {
		c.Mtime = f.cfg.Clock()
	}
	return c
}

// apply makes the change on writer w.
func (c AttrChange) apply(ctx context.Context, w *writeback.Writer) error {
	if c.HasSize {
		if err := w.Truncate(ctx, c.Size); err != nil {
			return err
		}
	}
	if c.HasMtime {
		w.SetMtime(c.Mtime)
	}
	if c.HasMode || c.HasUID || c.HasGID {
		cur := parseStored(w.Metadata(), syscall.S_IFREG)
		w.SetMetadata(cur.with(c).metadata(syscall.S_IFREG))
	}
	return nil
}

// SetAttr: truncate (size), utimens (mtime, kept in x-amz-meta-mtime),
// chmod and chown (x-amz-meta-mode, -uid, -gid; ownership.go) change the
// object; atime, and a mode or owner the mount fixes, are accepted and
// ignored, so that cp -p, rsync -a and tar work. Through a handle that
// writes (viaWriter), the change joins the writer and is committed with
// it; otherwise it is committed at once (truncate to 0 is an empty
// PutObject; utimens, chmod and chown alone a metadata-only copy), or
// joins the writer of handles still open. It returns the attributes after
// the change.
func (n *File) SetAttr(ctx context.Context, c AttrChange, viaWriter bool) (Attr, error) {
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, n.objKey()); err != nil {
		return Attr{}, err
	}
	if c.HasSize {
		if err := checkSize(c.Size); err != nil {
			return Attr{}, err
		}
	}
	c = n.fsys.cfg.ownerOnly(c, n.fsys.cfg.Fixed.FileMode)
	if c = n.fsys.resolved(c); c.HasSize || c.HasMtime || c.HasMode || c.HasUID || c.HasGID {
		var err error
		if viaWriter {
			err = n.changeOpen(ctx, c)
		} else {
			err = n.changeNow(ctx, c)
		}
		if err != nil {
			return Attr{}, err
		}
	}
	info, ok := n.localInfo()
	if !ok {
		info = n.snapshot()
	}
	return n.attr(info), nil
}

// changeOpen applies c to the writer of the open handles.
func (n *File) changeOpen(ctx context.Context, c AttrChange) error {
	return n.withWriter(ctx, "setattr", c.apply)
}

// changeNow applies c by path: to the writer of open handles if there is
// one (committed when they close), else through a writer of its own,
// committed before returning.
func (n *File) changeNow(ctx context.Context, c AttrChange) error {
	if n.fsys.writes.up == nil {
		return ErrReadOnly
	}
	n.io.Lock()
	defer n.io.Unlock()
	if w := n.liveWriter(); w != nil {
		dctx, cancel := n.fsys.detached(ctx)
		defer cancel()
		return writeFailed("setattr", c.apply(dctx, w))
	}
	base, err := n.headBase(ctx)
	if err != nil {
		return err
	}
	w := n.fsys.writes.up.Open(n.bucket, base.Key, base)
	defer w.Close()
	dctx, cancel := n.fsys.detached(ctx)
	defer cancel()
	if err := c.apply(dctx, w); err != nil {
		return writeFailed("setattr", err)
	}
	if !w.Dirty() {
		return nil
	}
	_, err = n.commitWriter(dctx, w)
	return writeFailed("setattr", err)
}

// SetAttr on a directory stores chmod and chown in its marker object
// (ownership.go: creating the marker of an implicit directory) and
// accepts utimens without storing it (directories have no mtime in S3;
// rsync -a and tar set it). A size is ErrIsDir.
func (n *Dir) SetAttr(ctx context.Context, c AttrChange) (Attr, error) {
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, n.prefix()); err != nil {
		return Attr{}, err
	}
	if c.HasSize {
		return Attr{}, ErrIsDir
	}
	if err := n.changeMarker(ctx, c); err != nil {
		return Attr{}, err
	}
	return n.Attr(), nil
}

// CopyFileRange is ErrNotSupported (ErrReadOnly on a read-only tree): the
// kernel or the tool falls back to reading and writing.
func (n *File) CopyFileRange() error {
	if n.fsys.cfg.ReadOnly {
		return ErrReadOnly
	}
	return ErrNotSupported
}
