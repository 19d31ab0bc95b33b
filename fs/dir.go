package fs

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// dirNode is a directory: the key prefix of one bucket, a bucket's root
// (prefix ""), or, with bucket "", the root of s3:// whose entries are the
// buckets. Its per-node state is the listing snapshot and the negative
// lookups (dirCache); per-open state lives on dirHandle.
type dirNode struct {
	gofs.Inode
	readOnlyNode

	fsys   *FS
	bucket string      // "" for the root of s3://
	loc    dirLocation // key prefix and cache view; a rename moves them (rename_loc.go)
	mtime  time.Time   // bucket creation time, else the mount time
}

var (
	_ = (gofs.NodeLookuper)((*dirNode)(nil))
	_ = (gofs.NodeOpendirHandler)((*dirNode)(nil))
	_ = (gofs.NodeGetattrer)((*dirNode)(nil))
	_ = (gofs.NodeStatfser)((*dirNode)(nil))
)

// newDir returns the node for directory prefix of bucket (or the root of
// s3:// when bucket is "").
func (f *FS) newDir(bucket, prefix string, mtime time.Time) *dirNode {
	n := &dirNode{fsys: f, bucket: bucket, mtime: mtime}
	n.setPrefix(prefix)
	return n
}

// list lists the directory (the buckets, at the root of s3://).
func (n *dirNode) list(ctx context.Context) ([]entry, error) {
	if n.bucket == "" {
		return listBuckets(ctx, n.fsys.client, n.fsys.warn)
	}
	return n.withLocal(listDir(ctx, n.fsys.client, n.bucket, n.prefix(), n.fsys.warn))
}

// probe looks name up without listing the whole directory. An existing
// child directory of that name hints that it is still one.
func (n *dirNode) probe(ctx context.Context, name string) (entry, error) {
	if n.bucket == "" {
		return probeBucket(ctx, n.fsys.client, name)
	}
	_, wasDir := n.childOps(name).(*dirNode)
	return probeName(ctx, n.fsys.client, n.bucket, n.prefix(), name, wasDir, n.fsys.warn)
}

// childOps returns the node of the existing child name, or nil.
func (n *dirNode) childOps(name string) gofs.InodeEmbedder {
	if ch := n.GetChild(name); ch != nil {
		return ch.Operations()
	}
	return nil
}

// path names name in this directory for logs.
func (n *dirNode) path(name string) string {
	if n.bucket == "" {
		return s3Scheme + name
	}
	return s3Scheme + n.bucket + "/" + n.prefix() + name
}

// Lookup finds name: from the listing snapshot while it is fresh, else
// from the negative cache, else with a targeted probe.
func (n *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	e, fetched, listed, err := n.resolve(ctx, name)
	if err != nil {
		return nil, n.fsys.fail("lookup", n.path(name), err)
	}
	child := n.child(ctx, e, fetched, listed)
	n.fillEntry(child, out)
	return child, 0
}

// resolve answers a lookup of name: the entry, when its attributes were
// fetched, and whether they came from a listing.
func (n *dirNode) resolve(ctx context.Context, name string) (entry, time.Time, bool, error) {
	cfg := n.fsys.cfg
	if !validName(name) {
		return entry{}, time.Time{}, false, errNoEntry
	}
	if e, ok := n.localEntry(name); ok { // being written (visibility.go)
		return e, cfg.Clock(), false, nil
	}
	if snap := n.cache().fresh(); snap != nil {
		e, ok := snap.find(name)
		if !ok {
			return entry{}, time.Time{}, false, errNoEntry
		}
		return e, snap.fetched, true, nil
	}
	if n.cache().isNegative(name) {
		return entry{}, time.Time{}, false, errNoEntry
	}
	tok, now := n.cache().begin(), cfg.Clock()
	e, err := n.probe(ctx, name)
	if err == errNoEntry {
		n.cache().putNegative(tok, name)
	}
	return e, now, false, err
}

// child returns the inode for e: the existing child of that name and type
// (its attributes updated), or a new one.
func (n *dirNode) child(ctx context.Context, e entry, fetched time.Time, listed bool) *gofs.Inode {
	if ch := n.GetChild(e.name); ch != nil {
		switch op := ch.Operations().(type) {
		case *dirNode:
			if e.dir {
				return ch
			}
		case *fileNode:
			if !e.dir {
				op.update(e, fetched, listed)
				return ch
			}
		}
	}
	if e.dir {
		bucket, prefix := n.childDir(e.name)
		mtime := n.fsys.started
		if n.bucket == "" && !e.mtime.IsZero() {
			mtime = e.mtime // the bucket's creation time, when known
		}
		d := n.fsys.newDir(bucket, prefix, mtime)
		return n.NewInode(ctx, d, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: n.childIno(e), Gen: n.fsys.gen()})
	}
	f := n.fsys.newFile(n.bucket, fileKey(n.prefix(), e.name), e, fetched, listed)
	return n.NewInode(ctx, f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: n.childIno(e), Gen: n.fsys.gen()})
}

// childDir returns the bucket and prefix of subdirectory name.
func (n *dirNode) childDir(name string) (bucket, prefix string) {
	if n.bucket == "" {
		return name, ""
	}
	return n.bucket, dirPrefix(n.prefix(), name)
}

// childIno returns the inode number of entry e.
func (n *dirNode) childIno(e entry) uint64 {
	if e.dir {
		return n.fsys.ino(n.childDir(e.name))
	}
	return n.fsys.ino(n.bucket, fileKey(n.prefix(), e.name))
}

// fillEntry fills out for child, with the kernel's cache timeouts.
func (n *dirNode) fillEntry(child *gofs.Inode, out *fuse.EntryOut) {
	switch op := child.Operations().(type) {
	case *dirNode:
		op.attr(&out.Attr)
	case *fileNode:
		op.attr(&out.Attr, op.snapshot())
	}
	ttl := n.fsys.cfg.statTTL()
	out.SetEntryTimeout(ttl)
	out.SetAttrTimeout(ttl)
}

// attr fills out with the directory's attributes.
func (n *dirNode) attr(out *fuse.Attr) {
	n.fsys.cfg.dirAttr(out, n.StableAttr().Ino, n.mtime)
	n.fsys.restrictMode(out, n.bucket, n.prefix())
}

// Getattr answers stat: directories have no attributes in S3 to fetch.
func (n *dirNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	out.SetTimeout(n.fsys.cfg.statTTL())
	return 0
}

// OpendirHandle opens a directory stream; the listing happens on the first
// read.
func (n *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	return &dirHandle{n: n}, 0, 0
}
