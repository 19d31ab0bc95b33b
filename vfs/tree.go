package vfs

import "strconv"

// The core's own tree: each Dir keeps the children it has handed out, so
// that rename, rmdir and lookups of files being written never ask the
// FUSE library's tree. A child enters its directory's map when a lookup,
// create or mkdir returns it, moves with a rename, leaves with unlink,
// rmdir or a replacing rename, and leaves when the adapter forgets it (the
// kernel dropped it). A file with open handles is never forgotten; open
// re-attaches a node the map lost to a race between a forget and a
// lookup (attach), so a file with a writer is always found by its name.

// Node is a File or a Dir.
type Node interface {
	// Ino is the node's inode number, hashed from its bucket and key
	// when it was created (stable across remounts); Gen its generation,
	// which tells it apart from a later node with the same number.
	Ino() uint64
	Gen() uint64
	IsDir() bool
	at() *link
}

// link is a node's place in the tree; parent and name are guarded by
// FS.treeMu, ino, gen and serial are fixed at creation.
type link struct {
	parent *Dir // nil for the root, and once the node was removed
	name   string
	ino    uint64
	gen    uint64
	// serial numbers the FS's nodes in creation order: unique, unlike
	// ino, so it orders lock taking (lockFiles).
	serial uint64
	// away: the node no longer is at the key its number was hashed from
	// (renamed, or removed while the kernel may still hold it), and the
	// number is counted in FS.away until the node is forgotten.
	away bool
}

// newLink returns the link of a new node with inode number ino.
func (f *FS) newLink(ino uint64) link {
	return link{ino: ino, gen: f.gen(), serial: f.serials.Add(1)}
}

func (l *link) Ino() uint64 { return l.ino }
func (l *link) Gen() uint64 { return l.gen }
func (l *link) at() *link   { return l }

// childNode returns the child name the directory has handed out, or nil.
func (d *Dir) childNode(name string) Node {
	d.fsys.treeMu.Lock()
	defer d.fsys.treeMu.Unlock()
	return d.children[name]
}

// childFile returns the child file name, or nil.
func (d *Dir) childFile(name string) *File {
	f, _ := d.childNode(name).(*File)
	return f
}

// adopt makes n the child name (f.treeMu held), replacing any other.
func (d *Dir) adopt(name string, n Node) {
	if d.children == nil {
		d.children = map[string]Node{}
	}
	if old := d.children[name]; old != nil && old != n {
		old.at().parent = nil
		d.fsys.leaveLocked(old)
	}
	d.children[name] = n
	l := n.at()
	l.parent, l.name = d, name
}

// put is adopt with the tree lock.
func (d *Dir) put(name string, n Node) {
	d.fsys.treeMu.Lock()
	d.adopt(name, n)
	d.fsys.treeMu.Unlock()
}

// detach removes n from its directory (unlink, rmdir, a rename over it).
func (f *FS) detach(n Node) {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	l := n.at()
	if p := l.parent; p != nil && p.children[l.name] == n {
		delete(p.children, l.name)
	}
	l.parent = nil
	f.leaveLocked(n)
}

// moveChild moves child name of d to newName of dst (a rename), detaching
// whatever dst had there.
func (d *Dir) moveChild(name string, dst *Dir, newName string) {
	f := d.fsys
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	n := d.children[name]
	if n == nil {
		if old := dst.children[newName]; old != nil {
			delete(dst.children, newName)
			old.at().parent = nil
			f.leaveLocked(old) // as adopt does for a node it replaces
		}
		return
	}
	delete(d.children, name)
	dst.adopt(newName, n)
	f.leaveTreeLocked(n)
}

// childList returns a copy of the directory's map.
func (d *Dir) childList() map[string]Node {
	d.fsys.treeMu.Lock()
	defer d.fsys.treeMu.Unlock()
	out := make(map[string]Node, len(d.children))
	for k, v := range d.children {
		out[k] = v
	}
	return out
}

// Parent returns the node's directory in the core's tree, or nil.
func (f *FS) Parent(n Node) *Dir {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	return n.at().parent
}

// placeIn returns the node's directory and name in the core's tree (nil
// when it has none).
func (l *link) placeIn(f *FS) (*Dir, string) {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	return l.parent, l.name
}

// Forget drops n from its directory's map: the kernel no longer knows it.
// A file with open handles or a directory with children stays.
func (f *FS) Forget(n Node) {
	if fl, ok := n.(*File); ok && fl.busy() {
		return
	}
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	if d, ok := n.(*Dir); ok && len(d.children) > 0 {
		return
	}
	l := n.at()
	if p := l.parent; p != nil && p.children[l.name] == n {
		delete(p.children, l.name) // parent stays: attach may revive it
	}
	if l.away { // its number is free again
		l.away = false
		if f.away[l.ino]--; f.away[l.ino] <= 0 {
			delete(f.away, l.ino)
		}
	}
}

// Keep makes n, a twin of the directory's child name (same inode number
// and generation) that the adapter still serves, the child again.
func (d *Dir) Keep(name string, n Node) {
	d.fsys.treeMu.Lock()
	defer d.fsys.treeMu.Unlock()
	cur := d.children[name]
	if cur != nil && (cur.Ino() != n.Ino() || cur.Gen() != n.Gen() || cur.IsDir() != n.IsDir()) {
		return
	}
	d.adopt(name, n)
}

// attach puts n back into its directory's map, and the directory into its
// own, when a forget raced with a lookup that revived n: open calls it, so
// that a file with handles is found by name. A node that was removed has
// no directory and stays out.
func (f *FS) attach(n Node) {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	for n != nil {
		l := n.at()
		p := l.parent
		if p == nil {
			return
		}
		switch cur := p.children[l.name]; {
		case cur == n:
			return
		case cur != nil && (cur.Ino() != n.Ino() || cur.Gen() != n.Gen()):
			return // a newer node has the name: n was replaced
		}
		if p.children == nil {
			p.children = map[string]Node{}
		}
		p.children[l.name] = n
		n = p
	}
}

// Inode numbers. A node's number is hashed from the key it was created
// for, so that it survives remounts and readdir's d_ino equals st_ino.
// A node keeps its number when it is renamed, and an unlinked node keeps
// it while the kernel holds it; a new node for the old key must then get
// another one, or stat would show two files with one number (cmp and diff
// take them for the same file, tail -F misses a rotated log). FS.away
// counts the numbers such nodes hold; a new node takes the first of a
// sequence of salted hashes of its key that none holds.

// leaveLocked records that n no longer is at its key (f.treeMu held).
func (f *FS) leaveLocked(n Node) {
	if l := n.at(); !l.away {
		l.away = true
		if f.away == nil {
			f.away = map[uint64]int{}
		}
		f.away[l.ino]++
	}
}

// leaveTreeLocked is leaveLocked for n and every node below it (a
// renamed directory's nodes keep their numbers too).
func (f *FS) leaveTreeLocked(n Node) {
	f.leaveLocked(n)
	if d, ok := n.(*Dir); ok {
		for _, ch := range d.children {
			f.leaveTreeLocked(ch)
		}
	}
}

// freeInoLocked returns the number for a new node at (bucket, key): its
// hash, unless a node that left that key holds it (f.treeMu held).
func (f *FS) freeInoLocked(bucket, key string) uint64 {
	ino := f.ino(bucket, key)
	for i := 1; f.away[ino] > 0; i++ {
		ino = f.ino(bucket, key+"\x00"+strconv.Itoa(i)) // no key holds NUL
	}
	return ino
}

// freeIno is freeInoLocked with the tree lock.
func (f *FS) freeIno(bucket, key string) uint64 {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	return f.freeInoLocked(bucket, key)
}
