package vfs

import "sync/atomic"

// Locations that a rename changes. A renamed node moves to its new name
// (in the core's tree and the adapter's) and the kernel keeps using it
// there, so a node's key or prefix cannot be fixed at creation: a renamed
// file's node gets its new key (File.key, guarded by File.mu), a renamed
// directory's node and every node below it in the tree get their new
// prefix.

// dirLoc is where a directory node is: its key prefix and its view of the
// metadata cache under that prefix. It is immutable; a directory rename
// stores a new one.
type dirLoc struct {
	prefix string    // "" or ending with "/"
	cache  *dirCache // the listing and lookups of prefix
}

// dirLocation holds a Dir's current dirLoc.
type dirLocation struct{ p atomic.Pointer[dirLoc] }

// prefix returns the directory's key prefix ("" or ending with "/").
func (n *Dir) prefix() string { return n.loc.p.Load().prefix }

// cache returns the directory's view of the metadata cache.
func (n *Dir) cache() *dirCache { return n.loc.p.Load().cache }

// setPrefix places the directory at prefix, with a cache view for it.
func (n *Dir) setPrefix(prefix string) {
	n.loc.p.Store(&dirLoc{prefix: prefix, cache: n.fsys.newDirCache(n.bucket, prefix, n.list)})
}

// objKey returns the file's key (a rename changes it).
func (n *File) objKey() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.key
}

// setKey moves the file node to key.
func (n *File) setKey(key string) {
	n.mu.Lock()
	n.key = key
	n.moves.Add(1)
	n.mu.Unlock()
}
