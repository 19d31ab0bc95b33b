package vfs

// Connector policy hooks for the node code.
//
// Every mutating operation (file.go, xattr.go, mutate*.go, rename*.go)
// calls these BEFORE doing anything, and returns their error when not nil,
// so that the caller gets the precise errno at
// open/create/mkdir/unlink/rmdir/rename/setattr time (a refusal at close
// is too late for cp to report properly):
//
//	create, mkdir:        n.mayChangeChild(acl.OpWrite, name, isDir)
//	unlink, rmdir:        n.mayChangeChild(acl.OpDelete, name, isDir)
//	open for writing or
//	O_TRUNC, setattr
//	(size, times, mode):  n.fsys.mayChange(acl.OpWrite, n.bucket, n.key)
//	rename:               n.mayRename(name, isDir, newParent, newName)
//	symlink, link, mknod: n.mayChangeChild(acl.OpWrite, name, false)
//
// At the root of s3:// (n.bucket == "") the children are buckets:
// mkdir/rmdir NAME are checked as (NAME, ""). All of them return nil when no
// connector restricts the FS and the mount is not read-only. Whatever the
// node code does, the client from remote.Restrict refuses the request
// underneath, so a missed check costs a later, vaguer errno, never
// a forbidden request.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// mayChange reports whether op (acl.OpWrite or acl.OpDelete) may change
// (bucket, key): 0, or EROFS (read-only mount or connector), EACCES
// (outside the connector's patterns) or ENOENT (invisible). Directory keys
// end in "/"; key "" is a bucket itself, and bucket "" the root of
// s3:// (whose own attributes a readwrite connector may "change": chmod
// there is accepted like anywhere else).
func (f *FS) mayChange(op acl.Op, bucket, key string) error {
	if f.cfg.ReadOnly || f.inBrowser(bucket, key) {
		return ErrReadOnly
	}
	c := f.cfg.Connector
	if c == nil {
		return nil
	}
	if bucket == "" {
		if c.Access != acl.ReadWrite {
			return ErrReadOnly
		}
		return nil
	}
	d := c.Decide(op, bucket, key)
	f.noteDecision(d.Allowed())
	if d.Allowed() {
		return nil
	}
	f.logRefusal(op.String(), bucket, key, d)
	return refusal(d)
}

// refusal is the error of a connector's denial: the sentinel of its kind,
// with the rule that decided (logged at info by logRefusal; the adapter
// does not log these again as failures).
func refusal(d acl.Decision) error {
	return &Refused{Rule: d.Rule, Err: remote.DenialError(d.Denial)}
}

// mayRename reports whether (srcBucket, srcKey) of f may be renamed to
// (dstBucket, dstKey) of dst: EXDEV when dst is another tree (another
// connector) or nil (not an objfs directory: the connectors root), or the
// buckets differ; then the connector decides (acl.DecideRename: EROFS,
// EACCES). Directory keys end in "/".
func (f *FS) mayRename(srcBucket, srcKey string, dst *FS, dstBucket, dstKey string) error {
	if f.cfg.ReadOnly || f.inBrowser(srcBucket, srcKey) || (dst == f && f.inBrowser(dstBucket, dstKey)) {
		return ErrReadOnly
	}
	if dst != f || srcBucket != dstBucket {
		return ErrCrossDevice
	}
	c := f.cfg.Connector
	if c == nil {
		return nil
	}
	d := acl.DecideRename(c, srcBucket, srcKey, c, dstBucket, dstKey)
	f.noteDecision(d.Allowed())
	if d.Allowed() {
		return nil
	}
	f.logRefusal("rename", srcBucket, srcKey, d)
	return refusal(d)
}

// logRefusal logs a refused change at info level, with the rule,
// rate-limited per operation and path (denials.go).
func (f *FS) logRefusal(op, bucket, key string, d acl.Decision) {
	f.denials.note(op, s3Scheme+bucket+"/"+key, d.Denial.ErrnoName(), d.Rule)
}

// noteRemoteDenial is told by remote.RestrictObserved of a change the
// connector refused underneath the checks above (one they missed): it is
// counted as a denied decision and logged like a refused change. Reads of
// invisible keys are not reported there (lookups probe keys that are not
// the user's: NAME as a file when it is a directory, NAME.rclonelink);
// noteInvisible counts what the user looked up.
func (f *FS) noteRemoteDenial(call, bucket, key string, d acl.Decision) {
	f.noteDecision(false)
	f.denials.note(call, s3Scheme+bucket+"/"+key, d.Denial.ErrnoName(), d.Rule)
}

// noteInvisible counts and logs a lookup of name that found nothing
// because no pattern of the connector reaches it (neither a file nor a
// directory of that name would be shown): a denied read.
func (n *Dir) noteInvisible(name string) {
	c := n.fsys.cfg.Connector
	if c == nil {
		return
	}
	bucket, key := name, ""
	visible := false
	if n.bucket == "" {
		visible = c.BucketVisible(name)
	} else {
		bucket, key = n.bucket, fileKey(n.prefix(), name)
		visible = c.Allows(bucket, key) || c.DirVisible(bucket, dirPrefix(n.prefix(), name))
	}
	if visible {
		return
	}
	n.fsys.noteDecision(false)
	n.fsys.denials.note("lookup", s3Scheme+bucket+"/"+key, "ENOENT", "no pattern of the connector reaches it")
}

// childKey returns the bucket and key of n's child name: a file key, a
// directory key ending in "/", or a bucket and "" at the root of s3://.
func (n *Dir) childKey(name string, isDir bool) (bucket, key string) {
	if n.bucket == "" {
		return name, ""
	}
	if isDir {
		return n.bucket, dirPrefix(n.prefix(), name)
	}
	return n.bucket, fileKey(n.prefix(), name)
}

// mayChangeChild is mayChange for n's child name (which need not exist).
func (n *Dir) mayChangeChild(op acl.Op, name string, isDir bool) error {
	bucket, key := n.childKey(name, isDir)
	return n.fsys.mayChange(op, bucket, key)
}

// mayRename is mayRename for n's child name (a directory when isDir) moved
// to newName in dst: a directory of this tree or of another connector's
// tree, or nil for anything else (the connectors root).
func (n *Dir) mayRename(name string, isDir bool, dst *Dir, newName string) error {
	if dst == nil {
		if n.fsys.cfg.ReadOnly {
			return ErrReadOnly
		}
		return ErrCrossDevice
	}
	srcBucket, srcKey := n.childKey(name, isDir)
	dstBucket, dstKey := dst.childKey(newName, isDir)
	return n.fsys.mayRename(srcBucket, srcKey, dst.fsys, dstBucket, dstKey)
}

// writable reports whether the connector lets (bucket, key) be changed, for
// the mode bits: a bucket "" is the root of s3://.
func (f *FS) writable(bucket, key string) bool {
	c := f.cfg.Connector
	switch {
	case f.inBrowser(bucket, key):
		return false
	case c == nil:
		return true
	case c.Access != acl.ReadWrite:
		return false
	case bucket == "":
		return rootWritable(c)
	}
	return c.Allows(bucket, key)
}

// rootWritable reports whether a readwrite connector may create or delete
// some bucket at its root: a pattern reaches buckets by prefix, or covers a
// whole named bucket.
func rootWritable(c *acl.Connector) bool {
	named, listAll := c.BucketNames()
	if listAll {
		return true
	}
	for _, b := range named {
		if c.Allows(b, "") {
			return true
		}
	}
	return false
}

// restrictMode clears the write bits of out when the connector refuses to
// change (bucket, key), so that ls -l shows what can be written.
func (f *FS) restrictMode(out *Attr, bucket, key string) {
	if !f.writable(bucket, key) {
		out.Mode &^= 0o222
	}
}

// ino returns the inode number of (bucket, key) in this tree: inoFor, kept
// apart per connector, because the FUSE library merges nodes with equal
// numbers and
// two connectors may show the same object with different rights.
func (f *FS) ino(bucket, key string) uint64 {
	if f.cfg.Connector == nil {
		return inoFor(bucket, key)
	}
	return inoIn(f.cfg.Connector.Label, bucket, key)
}

// inoIn is inoFor within namespace ns (a connector label).
func inoIn(ns, bucket, key string) uint64 {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write([]byte(ns))
	h.Write([]byte{0})
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	ino := binary.LittleEndian.Uint64(h.Sum(nil))
	if ino < 2 {
		ino += 2
	}
	return ino
}

// notePinGone logs, once per pinned version, that a connector's pinned
// version no longer exists (remote.ErrPinnedGone: reads fail with EIO).
func (f *FS) notePinGone(bucket, key, version string) {
	f.warn.warn(bucket, key+"@"+version, fmt.Sprintf(
		"connector %q: pinned version %s of s3://%s/%s no longer exists (deleted?): reads of it fail with EIO",
		f.cfg.Connector.Label, version, bucket, key))
}
