package vfs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// Dir is a directory: the key prefix of one bucket, a bucket's root
// (prefix ""), or, with bucket "", the root of s3:// whose entries are the
// buckets. Its state is its location (a rename moves it), the children it
// has handed out (tree.go) and, through dirCache, its listing snapshot and
// negative lookups; per-open state lives on DirStream.
type Dir struct {
	link
	fsys     *FS
	bucket   string          // "" for the root of s3://
	loc      dirLocation     // key prefix and cache view; a rename moves them (rename_loc.go)
	mtime    time.Time       // bucket creation time, else the mount time
	children map[string]Node // guarded by fsys.treeMu (tree.go)

	attrMu sync.Mutex  // guards stored
	stored storedAttrs // mode and owner its marker stores (ownership.go)
}

// newDir returns the node for directory prefix of bucket (or the root of
// s3:// when bucket is "").
func (f *FS) newDir(bucket, prefix string, mtime time.Time, ino uint64) *Dir {
	n := &Dir{fsys: f, bucket: bucket, mtime: mtime, link: f.newLink(ino)}
	n.setPrefix(prefix)
	return n
}

// IsDir is true.
func (n *Dir) IsDir() bool { return true }

// IsBuckets reports whether the directory is the root of s3://, whose
// entries are buckets.
func (n *Dir) IsBuckets() bool { return n.bucket == "" }

// FS returns the tree the directory belongs to.
func (n *Dir) FS() *FS { return n.fsys }

// list lists the directory (the buckets, at the root of s3://).
func (n *Dir) list(ctx context.Context) ([]entry, error) {
	if n.bucket == "" {
		return listBuckets(ctx, n.fsys.client, n.fsys.warn)
	}
	return n.withLocal(listDir(ctx, n.fsys.client, n.bucket, n.prefix(), n.fsys.warn))
}

// probe looks name up without listing the whole directory. An existing
// child directory of that name hints that it is still one.
func (n *Dir) probe(ctx context.Context, name string) (entry, error) {
	if n.bucket == "" {
		return probeBucket(ctx, n.fsys.client, name)
	}
	_, wasDir := n.childNode(name).(*Dir)
	return probeName(ctx, n.fsys.client, n.bucket, n.prefix(), name, wasDir, n.fsys.warn)
}

// probeDir looks up a name that can only be a directory (one ending in
// linkSuffix): a one-key LIST of NAME/.
func (n *Dir) probeDir(ctx context.Context, name string) (entry, error) {
	if n.bucket == "" {
		return probeBucket(ctx, n.fsys.client, name)
	}
	dir := dirPrefix(n.prefix(), name)
	isDir, marker, err := dirExists(ctx, n.fsys.client, n.bucket, dir)
	switch {
	case err != nil:
		return entry{}, err
	case !isDir:
		return entry{}, errNoEntry
	}
	e := entry{name: name, dir: true}
	if marker {
		e.stored = markerAttrs(ctx, n.fsys.client, n.bucket, dir)
	}
	return e, nil
}

// Path names name in this directory for logs ("" for the directory).
func (n *Dir) Path(name string) string {
	if n.bucket == "" {
		return s3Scheme + name
	}
	return s3Scheme + n.bucket + "/" + n.prefix() + name
}

// Lookup finds name: from the listing snapshot while it is fresh, else
// from the negative cache, else with a targeted probe. It returns the
// child the directory already had for it (attributes updated), or a new
// one.
func (n *Dir) Lookup(ctx context.Context, name string) (Node, error) {
	e, fetched, listed, err := n.resolve(ctx, name)
	if err != nil {
		if errors.Is(err, remote.ErrNotFound) {
			n.noteInvisible(name) // a connector's denied read, if that is why
		}
		return nil, err
	}
	return n.child(e, fetched, listed), nil
}

// resolve answers a lookup of name: the entry, when its attributes were
// fetched, and whether they came from a listing. A name no key can carry
// (over 255 bytes, or a key over S3's 1024) is ErrNameTooLong, as POSIX
// asks of every call that takes a path (stat, unlink, rmdir, truncate,
// chmod, rename: the kernel looks the name up first), before any request.
func (n *Dir) resolve(ctx context.Context, name string) (entry, time.Time, bool, error) {
	cfg := n.fsys.cfg
	if err := n.lookupName(name); err != nil {
		return entry{}, time.Time{}, false, err
	}
	// NAME.rclonelink is the key of link NAME (symlink.go): such a name
	// can only be a directory.
	_, dirOnly := linkName(name)
	if ok, err := n.isBrowser(ctx, name); err != nil || ok {
		return entry{name: name, dir: true}, cfg.Clock(), false, err // hidden from listings (browse.go)
	}
	if e, ok := n.localEntry(name); ok { // being written (visibility.go)
		return e, cfg.Clock(), false, nil
	}
	if snap := n.cache().fresh(); snap != nil {
		e, ok := snap.find(name)
		if !ok || dirOnly && !e.dir {
			return entry{}, time.Time{}, false, errNoEntry
		}
		return e, snap.fetched, true, nil
	}
	if n.cache().isNegative(name) {
		return entry{}, time.Time{}, false, errNoEntry
	}
	if n.fsys.batchMissing(ctx, n, name) { // missbatch.go
		return entry{}, time.Time{}, false, errNoEntry
	}
	tok, now := n.cache().begin(), cfg.Clock()
	var e entry
	var err error
	if dirOnly {
		e, err = n.probeDir(ctx, name)
	} else {
		e, err = n.probe(ctx, name)
	}
	if err == errNoEntry {
		n.cache().putNegative(tok, name)
		n.fsys.noteMiss(n, now)
	}
	return e, now, false, err
}

// lookupName returns the error of a lookup of a name that cannot be a
// child: ErrNameTooLong when the name or its key is too long, errNoEntry
// for other names no key maps to ("", ".", "..", a slash or a NUL).
func (n *Dir) lookupName(name string) error {
	switch {
	case len(name) > MaxNameLen:
		return ErrNameTooLong
	case !validName(name):
		return errNoEntry
	case n.bucket != "" && len(fileKey(n.prefix(), name)) > maxKeyLen:
		return ErrNameTooLong
	}
	return nil
}

// child returns the node for e: the existing child of that name and type
// (its attributes updated), or a new one, which the directory keeps.
func (n *Dir) child(e entry, fetched time.Time, listed bool) Node {
	switch op := n.childNode(e.name).(type) {
	case *Dir:
		if e.dir {
			if e.stored.any() {
				op.setStored(e.stored)
			}
			return op
		}
	case *File:
		if !e.dir && !e.link {
			op.update(e, fetched, listed)
			return op
		}
	case *Symlink:
		if e.link {
			op.update(e)
			return op
		}
	}
	var ch Node
	switch {
	case e.link:
		ch = n.fsys.newSymlink(n.bucket, linkKey(n.prefix(), e.name), e)
	case e.dir:
		bucket, prefix := n.childDir(e.name)
		mtime := n.fsys.started
		if n.bucket == "" && !e.mtime.IsZero() {
			mtime = e.mtime // the bucket's creation time, when known
		}
		d := n.fsys.newDir(bucket, prefix, mtime, n.childIno(e))
		d.stored = e.stored
		ch = d
	default:
		key := fileKey(n.prefix(), e.name)
		ch = n.fsys.newFile(n.bucket, key, e, fetched, listed)
	}
	n.put(e.name, ch)
	return ch
}

// childDir returns the bucket and prefix of subdirectory name.
func (n *Dir) childDir(name string) (bucket, prefix string) {
	if n.bucket == "" {
		return name, ""
	}
	return n.bucket, dirPrefix(n.prefix(), name)
}

// childIno returns the inode number of entry e: its node's, when the
// directory has one of that type, else the one a new node would get.
func (n *Dir) childIno(e entry) uint64 {
	bucket, key := n.bucket, entryKey(n.prefix(), e)
	if e.dir {
		bucket, key = n.childDir(e.name)
	}
	f := n.fsys
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	if ch := n.children[e.name]; ch != nil && ch.IsDir() == e.dir && isSymlink(ch) == e.link {
		return ch.Ino()
	}
	return f.freeInoLocked(bucket, key)
}

// Attr returns the directory's attributes: directories have none in S3
// to fetch.
func (n *Dir) Attr() Attr {
	a := n.fsys.cfg.dirAttr(n.ino, n.mtime)
	n.fsys.cfg.apply(&a, n.storedAttrs(), n.fsys.cfg.Fixed.DirMode) // ownership.go
	n.fsys.restrictMode(&a, n.bucket, n.prefix())
	return a
}

// OpenStream opens a directory stream; the listing happens on its first
// read.
func (n *Dir) OpenStream() *DirStream { return &DirStream{d: n} }

// DirStream is one open directory stream. It holds the listing snapshot
// it started with, so that offsets stay stable while the directory
// changes, and answers READDIRPLUS lookups from it: `ls -l` costs one
// listing and no HEAD, whatever the TTLs.
type DirStream struct {
	d *Dir

	mu   sync.Mutex // guards snap
	snap *listing   // nil until the first read, and after a rewind
}

// DirEntry is one entry of a directory stream.
type DirEntry struct {
	Name string
	Ino  uint64
	Dir  bool
	Link bool // a symbolic link
}

// Len returns the number of entries of the stream's snapshot, taking it
// (a listing, if the cached one is stale) when the stream has none.
func (s *DirStream) Len(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap == nil {
		snap, err := s.d.cache().get(ctx)
		if err != nil {
			return 0, err
		}
		s.snap = snap
	}
	return s.snap.len(), nil
}

// Taken returns the number of entries of the snapshot, if the stream has
// one.
func (s *DirStream) Taken() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap == nil {
		return 0, false
	}
	return s.snap.len(), true
}

// Entry returns entry i of the snapshot (Len first).
func (s *DirStream) Entry(i int) DirEntry {
	s.mu.Lock()
	e := s.snap.at(i)
	s.mu.Unlock()
	return DirEntry{Name: e.name, Dir: e.dir, Link: e.link, Ino: s.d.childIno(e)}
}

// Rewind drops the snapshot: the next Len takes a new one.
func (s *DirStream) Rewind() {
	s.mu.Lock()
	s.snap = nil
	s.mu.Unlock()
}

// Lookup answers a lookup of name from the stream's snapshot; ok is false
// when the stream has none or name is not in it (then Dir.Lookup).
func (s *DirStream) Lookup(name string) (Node, bool) {
	s.mu.Lock()
	snap := s.snap
	s.mu.Unlock()
	if snap == nil {
		return nil, false
	}
	e, ok := snap.find(name)
	if !ok {
		return nil, false
	}
	return s.d.child(e, snap.fetched, true), true
}

// isSymlink reports whether n is a symbolic link.
func isSymlink(n Node) bool {
	_, ok := n.(*Symlink)
	return ok
}
