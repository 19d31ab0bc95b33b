package fs

import (
	"context"
	"errors"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/fs/writeback"
	"github.com/objfs/objfs/remote"
)

// Rename flags (renameat2); RENAME_EXCHANGE and RENAME_WHITEOUT cannot be
// done on S3 and give EINVAL, the errno rename(2) documents for a flag the
// file system does not support.
const (
	renameNoReplace = 0x1
	renameExchange  = 0x2
	renameWhiteout  = 0x4
)

var _ = (gofs.NodeRenamer)((*dirNode)(nil))

// renameArgs is one rename, resolved: what moves, from where to where.
type renameArgs struct {
	src, dst         *dirNode
	name, newName    string
	isDir            bool
	srcKey, dstKey   string             // file keys, or directory prefixes
	srcNode          gofs.InodeEmbedder // the moving node, when go-fuse has it
	dstExists, dstIs bool               // dstIs: the existing target is a directory
}

// Rename moves a file (server-side copy, multipart above 5 GiB, then
// delete: a dirty open source is committed first) or a directory (each
// key copied, then each deleted: not atomic). It replaces an existing
// file, or an empty directory; renaming across buckets or connectors gives
// EXDEV, renaming buckets (at the root of s3://) EPERM.
func (n *dirNode) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	a, errno := n.resolveRename(ctx, name, newParent, newName, flags)
	if errno != 0 {
		return errno
	}
	if a.isDir {
		return n.fsys.renameDir(ctx, a)
	}
	return n.fsys.renameFile(ctx, a)
}

// resolveRename checks a rename and finds what it moves and replaces.
func (n *dirNode) resolveRename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) (renameArgs, syscall.Errno) {
	a := renameArgs{src: n, name: name, newName: newName, srcNode: n.childOps(name)}
	switch a.srcNode.(type) {
	case *dirNode:
		a.isDir = true
	case *fileNode:
	default:
		e, _, _, err := n.resolve(ctx, name)
		if err != nil {
			return a, n.fsys.fail("rename", n.path(name), err)
		}
		a.isDir = e.dir
	}
	if d, ok := newParent.(*dirNode); ok && (n.bucket == "" || d.bucket == "") {
		// buckets cannot be renamed, nor files moved to the root of s3://
		if errno := n.mayChangeChild(acl.OpDelete, name, a.isDir); errno != 0 {
			return a, errno
		}
		return a, syscall.EPERM
	}
	if errno := n.mayRename(name, a.isDir, newParent, newName); errno != 0 {
		return a, errno
	}
	a.dst = newParent.(*dirNode) // mayRename answers EXDEV for anything else
	if flags&(renameExchange|renameWhiteout) != 0 {
		return a, syscall.EINVAL
	}
	if errno := checkName(newName); errno != 0 {
		return a, errno
	}
	a.srcKey, a.dstKey = n.childKeyOf(name, a.isDir), a.dst.childKeyOf(newName, a.isDir)
	if errno := checkKey(a.dstKey); errno != 0 {
		return a, errno
	}
	if e, _, _, err := a.dst.resolve(ctx, newName); err == nil {
		a.dstExists, a.dstIs = true, e.dir
	} else if !errors.Is(err, remote.ErrNotFound) {
		return a, n.fsys.fail("rename", a.dst.path(newName), err)
	}
	switch {
	case a.dstExists && flags&renameNoReplace != 0:
		return a, syscall.EEXIST
	case a.dstExists && a.isDir && !a.dstIs:
		return a, syscall.ENOTDIR
	case a.dstExists && !a.isDir && a.dstIs:
		return a, syscall.EISDIR
	}
	return a, 0
}

// childKeyOf is the key of file name, or the prefix of directory name.
func (n *dirNode) childKeyOf(name string, isDir bool) string {
	if isDir {
		return dirPrefix(n.prefix(), name)
	}
	return fileKey(n.prefix(), name)
}

// renameFile copies the object to its new key and deletes the old one.
// The node (if go-fuse has it) keeps serving its open handles under the
// new key; a node that the target name had is retired.
func (f *FS) renameFile(ctx context.Context, a renameArgs) syscall.Errno {
	node, _ := a.srcNode.(*fileNode)
	if node != nil {
		node.io.Lock()
		defer node.io.Unlock()
	}
	dctx, cancel := f.detached(ctx)
	defer cancel()
	bucket := a.src.bucket
	base, err := f.renameSource(dctx, node, bucket, a.srcKey)
	if err != nil {
		return f.writeFailed("rename", s3Scheme+bucket+"/"+a.srcKey, err)
	}
	f.keepTarget(dctx, a)
	info, err := f.copyObject(dctx, bucket, a.srcKey, a.dstKey, base)
	if err != nil {
		return f.writeFailed("rename", s3Scheme+bucket+"/"+a.srcKey, err)
	}
	if err := f.client.Delete(dctx, bucket, a.srcKey); err != nil {
		f.noteInvalidate(bucket, a.srcKey)
		f.noteInvalidate(bucket, a.dstKey)
		f.log.Error("rename: copied but could not delete the source; both names exist",
			"from", a.srcKey, "to", a.dstKey, "bucket", bucket, "err", err)
		return f.writeFailed("rename", s3Scheme+bucket+"/"+a.srcKey, err)
	}
	f.retireTarget(dctx, a)
	mtime := objectMtime(base)
	if node != nil {
		mtime = node.moved(a.newName, a.dstKey, info, base)
	}
	f.noteRemove(bucket, a.srcKey)
	f.noteUpsert(bucket, a.dstKey, false, base.Size, mtime, info.ETag)
	return 0
}

// renameSource returns the object to copy: the node's writer committed
// first when it holds changes, else the node's version (revalidated when
// older than StatTTL), else a HEAD.
func (f *FS) renameSource(ctx context.Context, node *fileNode, bucket, key string) (remote.ObjectInfo, error) {
	if node == nil {
		return f.client.Head(ctx, bucket, key)
	}
	if w := node.liveWriter(); w != nil {
		dirty := w.Dirty()
		info, err := w.Commit(ctx)
		if err != nil {
			return remote.ObjectInfo{}, err
		}
		if dirty {
			node.committed(info, w.Mtime())
		}
		return info, nil
	}
	return node.headBase(ctx)
}

// copyObject copies src (as base describes it) to dst, server-side. A
// source that changed since base was read is read again, once.
func (f *FS) copyObject(ctx context.Context, bucket, src, dst string, base remote.ObjectInfo) (remote.ObjectInfo, error) {
	spec := writeback.CopySpec{SrcBucket: bucket, SrcKey: src, SrcETag: base.ETag, Size: base.Size, DstBucket: bucket, DstKey: dst}
	info, err := f.writes.up.Copy(ctx, spec)
	if errors.Is(err, remote.ErrPreconditionFailed) {
		fresh, herr := f.client.Head(ctx, bucket, src)
		if herr != nil {
			return remote.ObjectInfo{}, herr
		}
		spec.SrcETag, spec.Size = fresh.ETag, fresh.Size
		info, err = f.writes.up.Copy(ctx, spec)
	}
	return info, err
}

// keepTarget keeps the content of a file the rename replaces for the
// handles open on it, as unlink does (an editor saving by rename over a
// file that a program is reading). Best effort: the target node's io
// lock is only tried, since two renames in opposite directions would
// otherwise wait for each other.
func (f *FS) keepTarget(ctx context.Context, a renameArgs) {
	old, ok := a.dst.childOps(a.newName).(*fileNode)
	if !ok || old == a.srcNode || !old.io.TryLock() {
		return
	}
	defer old.io.Unlock()
	old.preload(ctx)
}

// retireTarget makes the node the target name had (if any) stop being an
// object: a file still open there is never uploaded again. Every rename
// moves the node generation on (see writeState).
func (f *FS) retireTarget(ctx context.Context, a renameArgs) {
	if old, ok := a.dst.childOps(a.newName).(*fileNode); ok && old != a.srcNode {
		old.unlinked(ctx)
	}
	f.retire()
}

// moved records that the node's object now is info at key (copied from
// base), named name; its writer, clean after the commit, follows. It
// returns the file's mtime.
func (n *fileNode) moved(name, key string, info, base remote.ObjectInfo) time.Time {
	moved := remote.ObjectInfo{Key: key, Size: base.Size, ETag: info.ETag, Metadata: base.Metadata}
	now := n.fsys.cfg.Clock()
	n.mu.Lock()
	n.key = key
	e := n.info.entry
	e.name, e.etag, e.size = name, info.ETag, base.Size
	n.info = fileInfo{entry: e, fetched: now}
	n.wr.last = moved
	n.moves.Add(1)
	w := n.wr.w
	n.mu.Unlock()
	if w != nil {
		if err := w.Move(key, moved); err != nil {
			n.fsys.log.Error("rename: the open file's writer could not follow", "key", key, "err", err)
		}
	}
	return e.mtime
}

// objectMtime is the file's mtime as an object (HEAD) carries it.
func objectMtime(o remote.ObjectInfo) time.Time {
	if t, ok := parseMetaMtime(o.Metadata[remote.MetaMtime]); ok {
		return t
	}
	return o.LastModified
}
