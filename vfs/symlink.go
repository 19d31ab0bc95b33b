package vfs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// Symbolic links are stored as rclone stores them (rclone --links, and
// rclone mount --links): the link NAME is the object NAME.rclonelink
// whose body is the target. A listing shows such a key's size, which is
// the target's length (a link's st_size), so `ls -l` of a directory of
// links costs its listing and no HEAD, as it does for files; readlink
// reads the body once (one GET) and keeps it. rclone, and any tool that
// knows the convention, reads objfs's links back, and objfs reads
// theirs. The price: a regular file whose name ends in .rclonelink
// shows as a link, and objfs refuses to create one (ErrInvalid).

// linkSuffix ends the key of a symbolic link.
const linkSuffix = ".rclonelink"

// linkable reports whether a link can be named name: its key's last
// segment (name and linkSuffix) must fit a file name, as servers that
// store keys as paths (MinIO) require; longer names are never links, and
// lookups of them send no HEAD for one.
func linkable(name string) bool { return len(name)+len(linkSuffix) <= MaxNameLen }

// maxLinkLen is the longest target a link may have (PATH_MAX less its
// NUL), as on Linux.
const maxLinkLen = 4095

// linkKey is the key of link name in the directory whose key prefix is
// prefix.
func linkKey(prefix, name string) string { return prefix + name + linkSuffix }

// linkName returns the link name a key's last segment stands for, and
// whether it is a link's ("NAME.rclonelink" with NAME not empty).
func linkName(seg string) (string, bool) {
	name, ok := strings.CutSuffix(seg, linkSuffix)
	return name, ok && name != ""
}

// entryKey is the key of entry e in directory prefix (a file's or a
// link's; a directory's is its prefix).
func entryKey(prefix string, e entry) string {
	switch {
	case e.dir:
		return dirPrefix(prefix, e.name)
	case e.link:
		return linkKey(prefix, e.name)
	}
	return fileKey(prefix, e.name)
}

// Symlink is a symbolic link: one object whose body is the target. Its
// node keeps the key (a rename moves it), what a listing or HEAD told of
// it and, once read or created, the target.
type Symlink struct {
	link
	fsys   *FS
	bucket string

	mu     sync.Mutex // guards key, info, target and hasTgt
	key    string     // the object key, with linkSuffix
	info   entry
	target string
	hasTgt bool
}

func (f *FS) newSymlink(bucket, key string, e entry) *Symlink {
	return &Symlink{fsys: f, bucket: bucket, key: key, info: e, link: f.newLink(f.freeIno(bucket, key))}
}

// IsDir is false.
func (n *Symlink) IsDir() bool { return false }

// FS returns the tree the link belongs to.
func (n *Symlink) FS() *FS { return n.fsys }

// Path names the link's object for logs.
func (n *Symlink) Path() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return s3Scheme + n.bucket + "/" + n.key
}

// update records what a listing or HEAD says of the link; a new version
// (another ETag) forgets the target read before. A listing of the same
// version keeps the mtime a HEAD found.
func (n *Symlink) update(e entry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.etag != "" && e.etag != n.info.etag {
		n.hasTgt, n.target = false, ""
	}
	if !e.metaMtime && n.info.metaMtime && e.etag == n.info.etag {
		e.mtime, e.metaMtime = n.info.mtime, true
	}
	e.name = n.info.name
	n.info = e
}

// Attr is the link's lstat: type link, permission bits 0777 (which the
// kernel ignores), size the target's length.
func (n *Symlink) Attr() Attr {
	n.mu.Lock()
	defer n.mu.Unlock()
	size := n.info.size
	if n.hasTgt {
		size = int64(len(n.target))
	}
	c := n.fsys.cfg
	return Attr{Ino: n.ino, Size: size, Mtime: n.info.mtime, Mode: syscall.S_IFLNK | 0o777, UID: c.UID, GID: c.GID}
}

// Readlink returns the target: the one the node knows, else the object's
// body (one GET, pinned to the version the node knows when it knows one).
func (n *Symlink) Readlink(ctx context.Context) (string, error) {
	n.mu.Lock()
	if n.hasTgt {
		defer n.mu.Unlock()
		return n.target, nil
	}
	key, etag := n.key, n.info.etag
	n.mu.Unlock()
	body, err := n.fsys.client.Get(ctx, remote.GetRequest{Bucket: n.bucket, Key: key, IfMatch: etag, Length: -1})
	if err != nil {
		return "", fmt.Errorf("readlink s3://%s/%s: %w", n.bucket, key, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxLinkLen+1))
	if err != nil {
		return "", fmt.Errorf("readlink s3://%s/%s: %w", n.bucket, key, err)
	}
	if len(data) == 0 || len(data) > maxLinkLen {
		n.fsys.warn.warn(n.bucket, key, "link object has an empty or too long target (more than 4095 bytes)")
		return "", ErrIO
	}
	target := string(data)
	n.mu.Lock()
	if n.key == key {
		n.target, n.hasTgt = target, true
	}
	n.mu.Unlock()
	return target, nil
}

// moved records that the link's object now is key, version etag.
func (n *Symlink) moved(name, key, etag string) {
	n.mu.Lock()
	n.key, n.info.name, n.info.etag = key, name, etag
	n.mu.Unlock()
}

// movedKey records that the link's object now is key, version etag,
// under the same name (its directory was renamed).
func (n *Symlink) movedKey(key, etag string) {
	n.mu.Lock()
	n.key, n.info.etag = key, etag
	n.mu.Unlock()
}

// objKey returns the link's key (a rename changes it).
func (n *Symlink) objKey() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.key
}

// SetAttr on a link: lutimes (tar and rsync -a set it) stores the mtime
// in x-amz-meta-mtime with a metadata-only copy of the link's object, so
// that rsync finds it unchanged next time; lchown and atime are accepted
// and change nothing (a link's mode is always 0777).
func (n *Symlink) SetAttr(ctx context.Context, c AttrChange) (Attr, error) {
	n.mu.Lock()
	key, etag, cur := n.key, n.info.etag, n.info.mtime
	n.mu.Unlock()
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, key); err != nil {
		return Attr{}, err
	}
	if c = n.fsys.resolved(c); c.HasMtime && !c.Mtime.Equal(cur) {
		if n.fsys.writes.up == nil {
			return Attr{}, ErrReadOnly
		}
		info, err := n.fsys.client.Copy(ctx, remote.CopyRequest{
			SrcBucket: n.bucket, SrcKey: key, SrcETag: etag, DstBucket: n.bucket, DstKey: key,
			Metadata: map[string]string{remote.MetaMtime: writeback.FormatMtime(c.Mtime)}, ReplaceMetadata: true,
		})
		if err != nil {
			return Attr{}, writeFailed("setattr", err)
		}
		n.mu.Lock()
		n.info.mtime, n.info.metaMtime = c.Mtime, true
		if info.ETag != "" {
			n.info.etag = info.ETag
		}
		e := n.info
		n.mu.Unlock()
		n.fsys.noteLink(n.bucket, strings.TrimSuffix(key, linkSuffix), e)
	}
	return n.Attr(), nil
}

// Symlink creates link name pointing to target: one PutObject of
// name.rclonelink with the target as body, refused if that key exists.
// The connector's patterns apply to that key like to any object's.
func (n *Dir) Symlink(ctx context.Context, target, name string) (*Symlink, error) {
	ctx, cancel := n.fsys.detached(ctx) // a change is not cut by an interrupt (see uninterruptible)
	defer cancel()
	if err := n.mayCreate(name, false); err != nil {
		return nil, err
	}
	key := linkKey(n.prefix(), name)
	if err := n.fsys.mayChange(acl.OpWrite, n.bucket, key); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	switch {
	case target == "":
		return nil, ErrNotExist // symlink(2) answers ENOENT for an empty target
	case len(target) > maxLinkLen, !linkable(name):
		return nil, ErrNameTooLong // a longer link name would be a segment over 255 bytes
	}
	now := n.fsys.cfg.Clock()
	info, err := n.fsys.client.Put(ctx, remote.PutRequest{
		Bucket: n.bucket, Key: key, Body: bytes.NewReader([]byte(target)), Size: int64(len(target)), IfNoneMatch: true,
		Metadata: map[string]string{remote.MetaMtime: writeback.FormatMtime(now)},
	})
	if err != nil {
		// A key the server refuses as a name is ENAMETOOLONG, as for
		// markers (linkable already keeps segments within 255 bytes).
		return nil, createFailed(markerFailed(err))
	}
	e := entry{name: name, link: true, size: int64(len(target)), etag: info.ETag, mtime: now, metaMtime: true}
	n.fsys.noteLink(n.bucket, fileKey(n.prefix(), name), e)
	node := n.fsys.newSymlink(n.bucket, key, e)
	node.target, node.hasTgt = target, true
	n.put(name, node)
	return node, nil
}

// unlinkLink deletes link name (its object).
func (n *Dir) unlinkLink(ctx context.Context, name string, node Node) error {
	key := linkKey(n.prefix(), name)
	if err := n.fsys.mayChange(acl.OpDelete, n.bucket, key); err != nil {
		return err
	}
	if err := n.fsys.client.Delete(ctx, n.bucket, key); err != nil {
		return err
	}
	if node != nil {
		n.fsys.detach(node)
	}
	n.fsys.retire()
	n.fsys.noteRemove(n.bucket, fileKey(n.prefix(), name))
	return nil
}

// isLinkChild reports whether name is a link, from the tree or a lookup,
// and returns the tree's node for it.
func (n *Dir) isLinkChild(ctx context.Context, name string) (bool, Node, error) {
	switch ch := n.childNode(name).(type) {
	case *Symlink:
		return true, ch, nil
	case *File, *Dir:
		return false, ch, nil
	}
	e, _, _, err := n.resolve(ctx, name)
	if err != nil {
		return false, nil, err
	}
	return e.link, nil, nil
}

// noteLink makes link key (its name's key, without linkSuffix: the
// metadata cache holds names) visible with e's attributes.
func (f *FS) noteLink(bucket, key string, e entry) {
	f.meta.Upsert(bucket, key, cacheEntry(e))
	f.touchMissing(bucket, key)
}

// renameLink moves a link: a copy of its object to the new link key, a
// delete of the old one, then, when a file had the target name, a delete
// of that file (between the two, the file hides the link: not atomic).
func (f *FS) renameLink(ctx context.Context, a renameArgs) error {
	old := a.target(nil)
	defer lockFiles(old)()
	bucket := a.src.bucket
	base, err := f.client.Head(ctx, bucket, a.srcKey)
	if err != nil {
		return err
	}
	if old != nil {
		old.preload(ctx) // keep its content for the handles open on it
	}
	info, err := f.copyObject(ctx, bucket, a.srcKey, a.dstKey, base)
	if err != nil {
		return writeFailed("rename", err)
	}
	if err := f.client.Delete(ctx, bucket, a.srcKey); err != nil {
		f.noteInvalidate(bucket, fileKey(a.src.prefix(), a.name))
		f.noteInvalidate(bucket, fileKey(a.dst.prefix(), a.newName))
		return writeFailed("rename", err)
	}
	dstName := fileKey(a.dst.prefix(), a.newName)
	if a.dstExists && !a.dstLink {
		if err := f.client.Delete(ctx, bucket, dstName); err != nil {
			f.noteInvalidate(bucket, dstName)
			return writeFailed("rename", err)
		}
	}
	f.retireTarget(ctx, old)
	if l, ok := a.srcNode.(*Symlink); ok {
		l.moved(a.newName, a.dstKey, info.ETag)
	}
	a.src.moveChild(a.name, a.dst, a.newName)
	f.noteRemove(bucket, fileKey(a.src.prefix(), a.name))
	f.noteLink(bucket, dstName, entry{name: a.newName, link: true, size: base.Size, etag: info.ETag, mtime: objectMtime(base)})
	return nil
}
