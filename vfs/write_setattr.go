package vfs

import (
	"context"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/vfs/writeback"
)

// AttrChange is what a SETATTR asks of a file's content and metadata;
// mode, owner and atime are accepted and not stored (objects have none).
type AttrChange struct {
	Size     int64
	HasSize  bool
	Mtime    time.Time // the time to set; MtimeNow takes the FS's clock
	HasMtime bool
	MtimeNow bool
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
	return nil
}

// SetAttr: truncate (size) and utimens (mtime, kept in x-amz-meta-mtime)
// change the object; chmod, chown and atime are accepted and ignored, as
// rclone does, so that cp -p, rsync -a and tar work (objects have no owner
// or mode: those come from the mount options). Through a handle that
// writes (viaWriter), the change joins the writer and is committed with
// it; otherwise it is committed at once (truncate to 0 is an empty
// PutObject, utimens alone a metadata-only copy), or joins the writer of
// handles still open. It returns the attributes after the change.
func (n *File) SetAttr(ctx context.Context, c AttrChange, viaWriter bool) (Attr, error) {
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, n.objKey()); err != nil {
		return Attr{}, err
	}
	if c.HasSize {
		if err := checkSize(c.Size); err != nil {
			return Attr{}, err
		}
	}
	if c = n.fsys.resolved(c); c.HasSize || c.HasMtime {
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

// SetAttr on a directory accepts chmod, chown and utimens and stores
// nothing: S3 has no directory attributes (rsync -a and tar set them).
// A size is ErrIsDir.
func (n *Dir) SetAttr(c AttrChange) (Attr, error) {
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, n.prefix()); err != nil {
		return Attr{}, err
	}
	if c.HasSize {
		return Attr{}, ErrIsDir
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

// RefuseXattr answers setxattr and removexattr: ErrReadOnly where nothing
// may change, else ErrNotSupported (extended attributes are not stored;
// cp -a and rsync -X then carry on without them).
func (n *File) RefuseXattr() error { return n.fsys.refuseXattr(n.bucket, n.objKey()) }

// RefuseXattr: see File.RefuseXattr.
func (n *Dir) RefuseXattr() error { return n.fsys.refuseXattr(n.bucket, n.prefix()) }

func (f *FS) refuseXattr(bucket, key string) error {
	if err := f.mayChange(acl.OpWrite, bucket, key); err != nil {
		return err
	}
	return ErrNotSupported
}
