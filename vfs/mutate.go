package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// Namespace changes of a directory: create, mkdir, mknod, unlink, rmdir
// (rename.go has rename). Each checks the mount and the connector first
// (mayChangeChild), so that a refused change sends nothing, then changes
// S3, then makes the change visible (visibility.go).

// checkName returns the error for a name S3 keys cannot carry, or nil.
func checkName(name string) error {
	switch {
	case len(name) > MaxNameLen:
		return ErrNameTooLong
	case !validName(name):
		return ErrInvalid
	}
	return nil
}

// checkKey returns ErrNameTooLong for a key longer than S3 accepts, before
// any request (S3 would answer KeyTooLongError, which is EINVAL).
func checkKey(key string) error {
	if len(key) > maxKeyLen {
		return ErrNameTooLong
	}
	return nil
}

// mayCreate is the check shared by create, mkdir and mknod: the mount and
// connector allow it, and the name can be a key. Only buckets can be
// created at the root of s3:// (ErrNotPermitted for anything else).
//
// A name that cannot be one (over 255 bytes) is refused first, as on a
// plain mount: a connector's patterns never match it, and its refusal
// (ENOENT, as for an invisible path) would hide the real reason.
func (n *Dir) mayCreate(name string, isDir bool) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := n.mayChangeChild(acl.OpWrite, name, isDir); err != nil {
		return err
	}
	if n.bucket == "" {
		if !isDir {
			return ErrNotPermitted
		}
		return nil
	}
	if _, isLink := linkName(name); isLink && !isDir {
		return ErrInvalid // a file's key would read back as a symbolic link (symlink.go)
	}
	return checkKey(n.childKeyOf(name, isDir))
}

// Create creates a file and opens it for writing. Nothing is sent yet:
// the object is written when the file is first flushed with content, or
// fsynced, or by the last release (deferEmpty: an empty file is one
// empty PutObject, never one before its content). With excl (O_EXCL) the name
// is checked with S3 first (excl.go), so that ErrExist comes at open; the
// upload is also conditional (If-None-Match: *), so a key created
// meanwhile by someone else makes that commit fail with ErrExist instead
// of being overwritten.
func (n *Dir) Create(ctx context.Context, name string, excl bool) (*File, *WriteHandle, error) {
	return n.CreateAttrs(ctx, name, excl, nil)
}

// CreateAttrs is Create of a file whose mode and owner (a, when not nil)
// its object stores (ownership.go).
func (n *Dir) CreateAttrs(ctx context.Context, name string, excl bool, a *NewAttrs) (*File, *WriteHandle, error) {
	if err := n.mayCreate(name, false); err != nil {
		return nil, nil, err
	}
	if excl {
		if err := n.checkAbsent(ctx, name); err != nil {
			return nil, nil, err
		}
	}
	key := fileKey(n.prefix(), name)
	now := n.fsys.cfg.Clock()
	node := n.fsys.newFile(n.bucket, key, entry{name: name, mtime: now}, now, false)
	w := n.fsys.writes.up.Create(n.bucket, key, excl)
	if a != nil {
		w.SetMetadata(a.stored().metadata(syscall.S_IFREG))
	}
	node.wr = nodeWrites{w: w, handles: 1, local: true}
	n.put(name, node)
	n.fsys.noteUpsert(n.bucket, key, false, 0, now, "")
	return node, &WriteHandle{n: node}, nil
}

// Mknod creates an empty regular file (one PutObject, refused if the key
// exists); other kinds of nodes (devices, FIFOs, sockets) cannot be
// objects: ErrNotPermitted.
func (n *Dir) Mknod(ctx context.Context, name string, mode uint32) (*File, error) {
	return n.MknodAttrs(ctx, name, mode, nil)
}

// MknodAttrs is Mknod of a file whose mode and owner (a, when not nil)
// its object stores (ownership.go).
func (n *Dir) MknodAttrs(ctx context.Context, name string, mode uint32, a *NewAttrs) (*File, error) {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	if err := n.mayCreate(name, false); err != nil {
		return nil, err
	}
	if mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, ErrNotPermitted
	}
	key := fileKey(n.prefix(), name)
	now := n.fsys.cfg.Clock()
	var stored storedAttrs
	if a != nil {
		stored = a.stored()
	}
	meta := stored.metadata(syscall.S_IFREG)
	meta[remote.MetaMtime] = writeback.FormatMtime(now)
	info, err := n.fsys.client.Put(ctx, remote.PutRequest{
		Bucket: n.bucket, Key: key, Body: bytes.NewReader(nil), IfNoneMatch: true, Metadata: meta,
	})
	if err != nil {
		return nil, createFailed(err)
	}
	n.fsys.noteUpsert(n.bucket, key, false, 0, now, info.ETag)
	e := entry{name: name, etag: info.ETag, mtime: now, metaMtime: true, stored: stored}
	node := n.fsys.newFile(n.bucket, key, e, now, false)
	n.put(name, node)
	return node, nil
}

// createFailed maps the failure of a conditional create: a precondition
// that failed means the key exists.
func createFailed(err error) error {
	if errors.Is(err, remote.ErrPreconditionFailed) {
		return ErrExist
	}
	return err
}

// Mkdir writes the directory's marker object ("name/", empty), so that an
// empty directory survives; at the root of s3:// it creates a bucket. The
// new directory is looked up in S3 like any other: another client may
// write below it at once, so no empty listing is assumed.
func (n *Dir) Mkdir(ctx context.Context, name string) (*Dir, error) {
	return n.MkdirAttrs(ctx, name, nil)
}

// MkdirAttrs is Mkdir of a directory whose mode and owner (a, when not
// nil) its marker stores (ownership.go; a bucket stores none).
func (n *Dir) MkdirAttrs(ctx context.Context, name string, a *NewAttrs) (*Dir, error) {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	if err := n.mayCreate(name, true); err != nil {
		return nil, err
	}
	bucket, prefix := n.childDir(name)
	var stored storedAttrs
	var err error
	if n.bucket == "" {
		err = n.fsys.client.CreateBucket(ctx, name)
	} else {
		var meta map[string]string
		if a != nil {
			stored = a.stored()
			meta = stored.metadata(syscall.S_IFDIR)
		}
		_, err = n.fsys.client.Put(ctx, remote.PutRequest{Bucket: bucket, Key: prefix, Body: bytes.NewReader(nil), Metadata: meta})
		err = markerFailed(err)
	}
	if err != nil {
		return nil, err
	}
	now := n.fsys.cfg.Clock()
	n.fsys.noteUpsert(bucket, prefix, true, 0, now, "")
	d := n.fsys.newDir(bucket, prefix, now, n.fsys.freeIno(bucket, prefix))
	d.stored = stored
	n.put(name, d)
	return d, nil
}

// markerFailed maps the failure of a directory marker's PutObject. The
// name passed checkName and checkKey, so a server that calls the empty
// marker an invalid argument refuses its name: MinIO stores "name/" as a
// file named "name__XLDIR__" on its disks, so a name of 247 to 255 bytes
// is too long there (XMinioInvalidObjectName, or KeyTooLongError from
// other servers). That is ENAMETOOLONG, not EINVAL.
func markerFailed(err error) error {
	if errors.Is(err, remote.ErrInvalidArgument) {
		return fmt.Errorf("%w (%v)", ErrNameTooLong, err) // the storage class would decide otherwise
	}
	return err
}

// Unlink deletes the object. A file still open keeps working for its
// handles (reads and writes go to its writer) but is never uploaded again.
// A symbolic link's object is its key with linkSuffix (symlink.go).
func (n *Dir) Unlink(ctx context.Context, name string) error {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	if err := n.mayChangeChild(acl.OpDelete, name, false); err != nil {
		return err
	}
	if n.bucket == "" {
		return ErrIsDir
	}
	isLink, ch, err := n.isLinkChild(ctx, name)
	switch {
	case err != nil && !errors.Is(err, remote.ErrNotFound):
		return err
	case isLink:
		return n.unlinkLink(ctx, name, ch)
	}
	key := fileKey(n.prefix(), name)
	node := n.childFile(name)
	if node != nil {
		node.io.Lock()
		defer node.io.Unlock()
		node.preload(ctx)
	}
	if err := n.fsys.client.Delete(ctx, n.bucket, key); err != nil {
		if node != nil {
			node.unkeep()
		}
		return err
	}
	if node != nil {
		node.unlinked(ctx)
		n.fsys.detach(node)
	}
	n.fsys.retire()
	n.fsys.noteRemove(n.bucket, key)
	return nil
}

// Rmdir removes an empty directory: ErrNotEmpty while S3 holds any key
// under it other than its marker (asked of S3, not the cache) or a file
// is being created in it or below; then the marker is deleted. At the root of
// s3:// it deletes an empty bucket.
func (n *Dir) Rmdir(ctx context.Context, name string) error {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	if err := n.mayChangeChild(acl.OpDelete, name, true); err != nil {
		return err
	}
	bucket, prefix := n.childDir(name)
	d, _ := n.childNode(name).(*Dir)
	if d != nil && hasLocalBelow(d) {
		return ErrNotEmpty
	}
	var err error
	if n.bucket == "" {
		err = n.fsys.client.DeleteBucket(ctx, bucket)
	} else {
		err = n.fsys.removeDirKey(ctx, bucket, prefix)
	}
	if err != nil {
		return err
	}
	if d != nil {
		n.fsys.detach(d)
	}
	n.fsys.retire()
	n.fsys.noteRemove(bucket, prefix)
	return nil
}

// removeDirKey deletes the marker of directory prefix after checking,
// with one short listing, that no other key is under it.
func (f *FS) removeDirKey(ctx context.Context, bucket, prefix string) error {
	empty, err := f.dirEmpty(ctx, bucket, prefix)
	if err != nil {
		return err
	}
	if !empty {
		return remote.ErrNotEmpty
	}
	return f.client.Delete(ctx, bucket, prefix)
}

// dirEmpty reports whether S3 holds no key under prefix but its marker.
func (f *FS) dirEmpty(ctx context.Context, bucket, prefix string) (bool, error) {
	page, err := f.client.List(ctx, remote.ListRequest{Bucket: bucket, Prefix: prefix, MaxKeys: 2})
	if err != nil {
		return false, err
	}
	for _, o := range page.Objects {
		if o.Key != prefix {
			return false, nil
		}
	}
	return len(page.Prefixes) == 0, nil
}

// RefuseLink answers link (hard links): ErrNotPermitted (after the
// connector's check). Objects cannot share content by name, and a copy
// would not behave like a hard link (EPERM is what file systems without
// hard links, such as vfat, answer; never ENOSYS). Symbolic links are
// stored (symlink.go).
func (n *Dir) RefuseLink(name string) error {
	if err := n.mayChangeChild(acl.OpWrite, name, false); err != nil {
		return err
	}
	return ErrNotPermitted
}
