package vfs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// Rename flags (renameat2); RENAME_EXCHANGE and RENAME_WHITEOUT cannot be
// done on S3 and give ErrInvalid, the errno rename(2) documents for a flag
// the file system does not support.
const (
	RenameNoReplace = 0x1
	renameExchange  = 0x2
	renameWhiteout  = 0x4
)

// renameArgs is one rename, resolved: what moves, from where to where.
type renameArgs struct {
	src, dst         *Dir
	name, newName    string
	isDir            bool
	link, dstLink    bool   // the source, the existing target is a symbolic link
	srcKey, dstKey   string // file keys, or directory prefixes
	srcNode          Node   // the moving node, when the tree has it
	dstExists, dstIs bool   // dstIs: the existing target is a directory
}

// Rename moves name to newName in dst, which is nil when the target is
// not a directory of any tree (the connectors root): a file by
// server-side copy (multipart above 5 GiB) then delete, a dirty open
// source committed first; a directory by copying each key, then deleting
// each (not atomic). It replaces an existing file, or an empty directory;
// renaming across buckets or connectors is ErrCrossDevice, renaming
// buckets (at the root of s3://) ErrNotPermitted.
func (n *Dir) Rename(ctx context.Context, name string, dst *Dir, newName string, flags uint32) error {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	for try := range renameTries {
		if try > 0 { // let the change that overtook this rename finish
			time.Sleep(time.Duration(rand.Int64N(int64(try) * int64(50*time.Microsecond))))
		}
		a, err := n.resolveRename(ctx, name, dst, newName, flags)
		if err != nil {
			return err
		}
		switch {
		case a.isDir:
			err = n.fsys.renameDir(ctx, a)
		case a.link:
			err = n.fsys.renameLink(ctx, a)
		default:
			err = n.fsys.renameFile(ctx, a)
		}
		if err != errRenameRaced {
			return err
		}
	}
	return fmt.Errorf("rename %s: %w", n.Path(name), errRenameRaced)
}

// errRenameRaced: between resolving a rename and taking its locks,
// another change replaced the source or the target node; the rename is
// resolved again after a short random pause (up to renameTries times,
// about 100 ms in all, then it fails with EIO). Through a kernel mount
// this cannot happen (the kernel holds the directories' locks across a
// rename and a create); callers of the core in parallel can make it.
var errRenameRaced = errors.New("the source or target changed while the rename started")

const renameTries = 64

// resolveRename checks a rename and finds what it moves and replaces.
func (n *Dir) resolveRename(ctx context.Context, name string, dst *Dir, newName string, flags uint32) (renameArgs, error) {
	a := renameArgs{src: n, name: name, newName: newName, srcNode: n.childNode(name)}
	switch a.srcNode.(type) {
	case *Dir:
		a.isDir = true
	case *Symlink:
		a.link = true
	case *File:
	default:
		e, _, _, err := n.resolve(ctx, name)
		if err != nil {
			return a, err
		}
		a.isDir, a.link = e.dir, e.link
	}
	if dst != nil && (n.bucket == "" || dst.bucket == "") {
		// buckets cannot be renamed, nor files moved to the root of s3://
		if err := n.mayChangeChild(acl.OpDelete, name, a.isDir); err != nil {
			return a, err
		}
		return a, ErrNotPermitted
	}
	if err := checkName(newName); err != nil { // before the connector, as in mayCreate
		return a, err
	}
	if err := n.mayRename(name, a.isDir, dst, newName); err != nil {
		return a, err
	}
	a.dst = dst // mayRename refuses anything else
	if flags&(renameExchange|renameWhiteout) != 0 {
		return a, ErrInvalid
	}
	if _, isLink := linkName(newName); isLink && !a.isDir {
		return a, ErrInvalid // a file or link would read back as link NAME (symlink.go)
	}
	a.srcKey, a.dstKey = n.childKeyOf(name, a.isDir), a.dst.childKeyOf(newName, a.isDir)
	if a.link {
		a.srcKey, a.dstKey = linkKey(n.prefix(), name), linkKey(a.dst.prefix(), newName)
	}
	if err := checkKey(a.dstKey); err != nil {
		return a, err
	}
	if e, _, _, err := a.dst.resolve(ctx, newName); err == nil {
		a.dstExists, a.dstIs, a.dstLink = true, e.dir, e.link
	} else if !errors.Is(err, remote.ErrNotFound) {
		return a, err
	}
	switch {
	case a.dstExists && flags&RenameNoReplace != 0:
		return a, ErrExist
	case a.dstExists && a.isDir && !a.dstIs:
		return a, ErrNotDir
	case a.dstExists && !a.isDir && a.dstIs:
		return a, ErrIsDir
	}
	return a, nil
}

// childKeyOf is the key of file name, or the prefix of directory name.
func (n *Dir) childKeyOf(name string, isDir bool) string {
	if isDir {
		return dirPrefix(n.prefix(), name)
	}
	return fileKey(n.prefix(), name)
}

// renameFile copies the object to its new key and deletes the old one.
// The node (if the tree has it) keeps serving its open handles under the
// new key; a node that the target name had is retired. The io locks of
// both are taken in serial-number order (lockFiles), so that two renames
// in opposite directions cannot wait for each other.
func (f *FS) renameFile(ctx context.Context, a renameArgs) error {
	node, _ := a.srcNode.(*File)
	old := a.target(node)
	defer lockFiles(node, old)()
	if a.src.childNode(a.name) != a.srcNode || a.target(node) != old {
		return errRenameRaced
	}
	bucket := a.src.bucket
	base, err := f.renameSource(ctx, node, bucket, a.srcKey)
	if err != nil {
		return writeFailed("rename", err)
	}
	if old != nil {
		old.preload(ctx) // keep its content for the handles open on it
	}
	info, err := f.copyObject(ctx, bucket, a.srcKey, a.dstKey, base)
	if err != nil {
		if old != nil {
			old.unkeep() // it was not replaced
		}
		return writeFailed("rename", err)
	}
	if err := f.client.Delete(ctx, bucket, a.srcKey); err != nil {
		if old != nil {
			old.unkeep() // the node stays at the target name
		}
		f.noteInvalidate(bucket, a.srcKey)
		f.noteInvalidate(bucket, a.dstKey)
		f.log.Error("rename: copied but could not delete the source; both names exist",
			"from", a.srcKey, "to", a.dstKey, "bucket", bucket, "err", err)
		return writeFailed("rename", err)
	}
	if a.dstLink { // the file replaces a link: remove the link's object
		if err := f.client.Delete(ctx, bucket, linkKey(a.dst.prefix(), a.newName)); err != nil {
			f.noteInvalidate(bucket, a.dstKey)
			return writeFailed("rename", err)
		}
	}
	f.retireTarget(ctx, old)
	mtime := objectMtime(base)
	if node != nil {
		mtime = node.moved(a.newName, a.dstKey, info, base)
	}
	a.src.moveChild(a.name, a.dst, a.newName)
	f.noteRemove(bucket, a.srcKey)
	f.noteUpsert(bucket, a.dstKey, false, base.Size, mtime, info.ETag)
	return nil
}

// target returns the file the rename replaces (not node itself), or nil.
func (a renameArgs) target(node *File) *File {
	if old := a.dst.childFile(a.newName); old != node {
		return old
	}
	return nil
}

// lockFiles takes the io locks of the files (nil ones skipped) in the
// order of their serial numbers, the one order every caller that holds
// several uses, and returns the function that releases them. (Inode
// numbers would not do: a node renamed away keeps the number of its old
// key, which a new node created there gets too.)
func lockFiles(files ...*File) func() {
	files = slices.DeleteFunc(slices.Clone(files), func(f *File) bool { return f == nil })
	slices.SortFunc(files, func(a, b *File) int { return cmp.Compare(a.serial, b.serial) })
	files = slices.Compact(files)
	for _, f := range files {
		f.io.Lock()
	}
	return func() {
		for _, f := range files {
			f.io.Unlock()
		}
	}
}

// renameSource returns the object to copy: the node's writer committed
// first when it holds changes, else the node's version (revalidated when
// older than StatTTL), else a HEAD.
func (f *FS) renameSource(ctx context.Context, node *File, bucket, key string) (remote.ObjectInfo, error) {
	if node == nil {
		return f.client.Head(ctx, bucket, key)
	}
	if w := node.liveWriter(); w != nil {
		return node.commitWriter(ctx, w)
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

// retireTarget makes the file the target name had (if any) stop being an
// object: a file still open there is never uploaded again. Every rename
// moves the node generation on (retire).
func (f *FS) retireTarget(ctx context.Context, old *File) {
	if old != nil {
		old.unlinked(ctx)
	}
	f.retire()
}

// moved records that the node's object now is info at key (copied from
// base), named name; its writer, clean after the commit, follows. It
// returns the file's mtime.
func (n *File) moved(name, key string, info, base remote.ObjectInfo) time.Time {
	moved := remote.ObjectInfo{Key: key, Size: base.Size, ETag: info.ETag, Metadata: base.Metadata}
	now := n.fsys.cfg.Clock()
	n.mu.Lock()
	n.key = key
	e := n.info.entry
	e.name, e.etag, e.size = name, info.ETag, base.Size
	e.s3 = nil // another key, another version: the next HEAD tells
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
