package fs

import (
	"bytes"
	"context"
	"errors"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/fs/writeback"
	"github.com/objfs/objfs/remote"
)

// Namespace changes of a directory: create, mkdir, mknod, unlink, rmdir
// (rename.go has rename). Each checks the mount and the connector first
// (mayChangeChild), so that a refused change sends nothing, then changes
// S3, then makes the change visible (visibility.go).

var (
	_ = (gofs.NodeCreater)((*dirNode)(nil))
	_ = (gofs.NodeMkdirer)((*dirNode)(nil))
	_ = (gofs.NodeMknoder)((*dirNode)(nil))
	_ = (gofs.NodeLinker)((*dirNode)(nil))
	_ = (gofs.NodeSymlinker)((*dirNode)(nil))
	_ = (gofs.NodeUnlinker)((*dirNode)(nil))
	_ = (gofs.NodeRmdirer)((*dirNode)(nil))
)

// checkName returns the errno for a name S3 keys cannot carry, or 0.
func checkName(name string) syscall.Errno {
	switch {
	case len(name) > maxNameLen:
		return syscall.ENAMETOOLONG
	case !validName(name):
		return syscall.EINVAL
	}
	return 0
}

// checkKey returns ENAMETOOLONG for a key longer than S3 accepts, before
// any request (S3 would answer KeyTooLongError, which is EINVAL).
func checkKey(key string) syscall.Errno {
	if len(key) > maxKeyLen {
		return syscall.ENAMETOOLONG
	}
	return 0
}

// mayCreate is the check shared by create, mkdir and mknod: the mount and
// connector allow it, and the name can be a key. Only buckets can be
// created at the root of s3:// (EPERM for anything else).
func (n *dirNode) mayCreate(name string, isDir bool) syscall.Errno {
	if errno := n.mayChangeChild(acl.OpWrite, name, isDir); errno != 0 {
		return errno
	}
	if n.bucket == "" && !isDir {
		return syscall.EPERM
	}
	if errno := checkName(name); errno != 0 || n.bucket == "" {
		return errno
	}
	return checkKey(n.childKeyOf(name, isDir))
}

// Create creates a file and opens it for writing. Nothing is sent yet:
// the object is written when the file is first flushed (an empty file is
// one empty PutObject). With O_EXCL the upload is conditional
// (If-None-Match: *), so a key created meanwhile by someone else makes
// that flush fail with EEXIST instead of being overwritten.
func (n *dirNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if errno := n.mayCreate(name, false); errno != 0 {
		return nil, nil, 0, errno
	}
	excl := flags&syscall.O_EXCL != 0
	if _, ok := n.localEntry(name); ok && excl {
		return nil, nil, 0, syscall.EEXIST
	}
	key := fileKey(n.prefix(), name)
	now := n.fsys.cfg.Clock()
	node := n.fsys.newFile(n.bucket, key, entry{name: name, mtime: now}, now, false)
	node.wr = nodeWrites{w: n.fsys.writes.up.Create(n.bucket, key, excl), handles: 1, local: true}
	ch := n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: n.fsys.ino(n.bucket, key), Gen: n.fsys.gen()})
	n.fsys.noteUpsert(n.bucket, key, false, 0, now, "")
	n.fillEntry(ch, out)
	return ch, &writeHandle{n: node, opener: openerOf(ctx)}, 0, 0
}

// Mknod creates an empty regular file (one PutObject, refused if the key
// exists); other kinds of nodes (devices, FIFOs, sockets) cannot be
// objects: EPERM.
func (n *dirNode) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := n.mayCreate(name, false); errno != 0 {
		return nil, errno
	}
	if mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, syscall.EPERM
	}
	key := fileKey(n.prefix(), name)
	now := n.fsys.cfg.Clock()
	info, err := n.fsys.client.Put(ctx, remote.PutRequest{
		Bucket: n.bucket, Key: key, Body: bytes.NewReader(nil), IfNoneMatch: true,
		Metadata: map[string]string{remote.MetaMtime: writeback.FormatMtime(now)},
	})
	if err != nil {
		return nil, n.fsys.createFailed("mknod", n.path(name), err)
	}
	n.fsys.noteUpsert(n.bucket, key, false, 0, now, info.ETag)
	e := entry{name: name, etag: info.ETag, mtime: now, metaMtime: true}
	ch := n.NewInode(ctx, n.fsys.newFile(n.bucket, key, e, now, false),
		gofs.StableAttr{Mode: syscall.S_IFREG, Ino: n.fsys.ino(n.bucket, key), Gen: n.fsys.gen()})
	n.fillEntry(ch, out)
	return ch, 0
}

// createFailed maps the failure of a conditional create: a precondition
// that failed means the key exists.
func (f *FS) createFailed(op, path string, err error) syscall.Errno {
	if errors.Is(err, remote.ErrPreconditionFailed) {
		return syscall.EEXIST
	}
	return f.fail(op, path, err)
}

// Mkdir writes the directory's marker object ("name/", empty), so that an
// empty directory survives; at the root of s3:// it creates a bucket. The
// new directory starts with a cached empty listing: lookups in it (tar,
// cp -r) cost no request.
func (n *dirNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := n.mayCreate(name, true); errno != 0 {
		return nil, errno
	}
	bucket, prefix := n.childDir(name)
	var err error
	if n.bucket == "" {
		err = n.fsys.client.CreateBucket(ctx, name)
	} else {
		_, err = n.fsys.client.Put(ctx, remote.PutRequest{Bucket: bucket, Key: prefix, Body: bytes.NewReader(nil)})
	}
	if err != nil {
		return nil, n.fsys.fail("mkdir", n.path(name), err)
	}
	now := n.fsys.cfg.Clock()
	n.fsys.noteUpsert(bucket, prefix, true, 0, now, "")
	n.fsys.noteNewDir(bucket, prefix)
	d := n.fsys.newDir(bucket, prefix, now)
	ch := n.NewInode(ctx, d, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: n.fsys.ino(bucket, prefix), Gen: n.fsys.gen()})
	n.fillEntry(ch, out)
	return ch, 0
}

// Unlink deletes the object. A file still open keeps working for its
// handles (reads and writes go to its writer) but is never uploaded again.
func (n *dirNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if errno := n.mayChangeChild(acl.OpDelete, name, false); errno != 0 {
		return errno
	}
	if n.bucket == "" {
		return syscall.EISDIR
	}
	key := fileKey(n.prefix(), name)
	node, _ := n.childOps(name).(*fileNode)
	if node != nil {
		node.io.Lock()
		defer node.io.Unlock()
	}
	if node != nil {
		node.preload(ctx)
	}
	if err := n.fsys.client.Delete(ctx, n.bucket, key); err != nil {
		return n.fsys.fail("unlink", n.path(name), err)
	}
	if node != nil {
		node.unlinked(ctx)
	}
	n.fsys.retire()
	n.fsys.noteRemove(n.bucket, key)
	return 0
}

// Rmdir removes an empty directory: ENOTEMPTY while S3 holds any key
// under it other than its marker (asked of S3, not the cache) or a file
// is being created in it; then the marker is deleted. At the root of
// s3:// it deletes an empty bucket.
func (n *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	if errno := n.mayChangeChild(acl.OpDelete, name, true); errno != 0 {
		return errno
	}
	bucket, prefix := n.childDir(name)
	if d, ok := n.childOps(name).(*dirNode); ok && d.hasLocalFiles() {
		return syscall.ENOTEMPTY
	}
	var err error
	if n.bucket == "" {
		err = n.fsys.client.DeleteBucket(ctx, bucket)
	} else {
		err = n.fsys.removeDirKey(ctx, bucket, prefix)
	}
	if err != nil {
		return n.fsys.fail("rmdir", n.path(name), err)
	}
	n.fsys.retire()
	n.fsys.noteRemove(bucket, prefix)
	return 0
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

// hasLocalFiles reports whether files are being created in the directory
// (they are not in S3 yet).
func (n *dirNode) hasLocalFiles() bool {
	for _, ch := range n.Children() {
		if f, ok := ch.Operations().(*fileNode); ok && f.isLocal() {
			return true
		}
	}
	return false
}

// Link gives EPERM: objects cannot share content by name, and a copy would
// not behave like a hard link (EPERM is what file systems without hard
// links, such as vfat, answer; never ENOSYS).
func (n *dirNode) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := n.mayChangeChild(acl.OpWrite, name, false); errno != 0 {
		return nil, errno
	}
	return nil, syscall.EPERM
}

// Symlink gives EPERM: objfs does not store symbolic links (peers disagree
// on how; mountpoint-s3 and rclone without --links do not either).
func (n *dirNode) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := n.mayChangeChild(acl.OpWrite, name, false); errno != 0 {
		return nil, errno
	}
	return nil, syscall.EPERM
}
