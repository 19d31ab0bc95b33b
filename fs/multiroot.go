package fs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/vfs"
)

// Labeled is one tree of a multi-connector mount: the directory Label at
// the mount root serves FS (usually an s3:// tree with Config.Connector
// set).
type Labeled struct {
	Label string
	FS    *vfs.FS
}

// MountConnectors mounts trees at mountpoint, one directory per label at
// the root, and returns the go-fuse server, already serving. Each tree's
// root directory node is the label's directory, so everything below it is
// the tree's own (its connector, client, caches); a rename from one tree
// to another gives EXDEV. The root itself is read-only: creating, removing
// or renaming anything there gives EROFS.
//
// FUSE-level settings (TTLs, owner, the Observer of FUSE operations) come
// from the first tree's Config, and opts.ReadOnly makes the whole mount
// "ro"; a tree's own Config.ReadOnly
// affects that tree only. The caller waits with server.Wait(), unmounts
// with server.Unmount(), then Closes every tree. A tree can be mounted
// once.
func MountConnectors(mountpoint string, trees []Labeled, opts MountOptions) (*fuse.Server, error) {
	if err := checkLabeled(trees); err != nil {
		return nil, err
	}
	dir, err := serveDir(mountpoint, opts)
	if err != nil {
		return nil, err
	}
	if err := markMounted(trees); err != nil {
		return nil, err
	}
	first := trees[0].FS
	opts = opts.withDefaults()
	opts.MaxRequestSize = allowRequestSize(first.Logger(), opts.MaxRequestSize)
	o := options(first, opts)
	if !opts.ReadOnly {
		o.MountOptions.Options = slices.DeleteFunc(o.MountOptions.Options, func(s string) bool { return s == "ro" })
	}
	root := &connectorsRoot{trees: trees}
	cfg := first.Config()
	server, err := mountTree(dir, root, o, observerOf(cfg), cfg.Clock)
	if err != nil {
		unmarkMounted(trees)
		return nil, fmt.Errorf("mount %s: %w", mountpoint, err)
	}
	if opts.FD <= 0 {
		raiseKernelReadahead(first.Logger(), mountpoint, readaheadKB(opts.MaxRequestSize))
	}
	for _, t := range trees {
		checkPassthrough(t.FS, server)
	}
	return server, nil
}

// checkLabeled checks that there is at least one tree, that labels are
// valid, distinct file names and that no tree is given twice.
func checkLabeled(trees []Labeled) error {
	if len(trees) == 0 {
		return errors.New("fs: no connectors to mount")
	}
	labels := map[string]bool{}
	seen := map[*vfs.FS]bool{}
	for _, t := range trees {
		if err := acl.ValidName(t.Label); err != nil {
			return fmt.Errorf("fs: connector label: %w", err)
		}
		if t.FS == nil || seen[t.FS] {
			return fmt.Errorf("fs: connector %q: missing tree or tree given twice", t.Label)
		}
		if labels[t.Label] {
			return fmt.Errorf("fs: connector label %q given twice", t.Label)
		}
		labels[t.Label], seen[t.FS] = true, true
	}
	return nil
}

// markMounted marks every tree mounted, or none if one already is.
func markMounted(trees []Labeled) error {
	for i, t := range trees {
		if t.FS.MarkMounted() != nil {
			unmarkMounted(trees[:i])
			return fmt.Errorf("fs: the tree of connector %q is already mounted", t.Label)
		}
	}
	return nil
}

func unmarkMounted(trees []Labeled) {
	for _, t := range trees {
		t.FS.UnmarkMounted()
	}
}

// connectorsRoot is the root of a multi-connector mount: one persistent
// child per label, each the root directory node of its tree. It has no
// state beyond what MountConnectors gave it, and no lock.
type connectorsRoot struct {
	gofs.Inode
	trees []Labeled
}

var (
	_ = (gofs.NodeOnAdder)((*connectorsRoot)(nil))
	_ = (gofs.NodeGetattrer)((*connectorsRoot)(nil))
	_ = (gofs.NodeLookuper)((*connectorsRoot)(nil))
	_ = (gofs.NodeReaddirer)((*connectorsRoot)(nil))
	_ = (gofs.NodeStatfser)((*connectorsRoot)(nil))
)

// OnAdd adds every tree's root directory as a child, named by its label.
func (r *connectorsRoot) OnAdd(ctx context.Context) {
	for _, t := range r.trees {
		root := t.FS.Root()
		ch := r.NewPersistentInode(ctx, &dirNode{d: root}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: root.Ino()})
		r.AddChild(t.Label, ch, false)
	}
}

// Lookup finds a label, as go-fuse would among the persistent children;
// a name over 255 bytes is ENAMETOOLONG, as in the trees below and on a
// plain s3:// mount's root, not ENOENT.
func (r *connectorsRoot) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if len(name) > vfs.MaxNameLen {
		return nil, toErrno(vfs.ErrNameTooLong)
	}
	ch := r.GetChild(name)
	if ch == nil {
		return nil, syscall.ENOENT
	}
	if ga, ok := ch.Operations().(gofs.NodeGetattrer); ok {
		var a fuse.AttrOut
		if errno := ga.Getattr(ctx, nil, &a); errno == 0 {
			out.Attr = a.Attr
		}
	}
	return ch, 0
}

// Getattr: a directory without write bits, owned like the first tree
// and dated from its mount.
func (r *connectorsRoot) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	first := r.trees[0].FS
	fuseAttr(&out.Attr, first.Root().Attr(), r.StableAttr().Ino)
	out.Mode &^= 0o222
	out.SetTimeout(first.Config().AttrTimeout())
	return 0
}

// Readdir lists ".", ".." and the labels, sorted.
func (r *connectorsRoot) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	entries := make([]fuse.DirEntry, 0, len(r.trees))
	for _, t := range r.trees {
		entries = append(entries, fuse.DirEntry{Name: t.Label, Mode: syscall.S_IFDIR, Ino: t.FS.Root().Ino()})
	}
	slices.SortFunc(entries, func(a, b fuse.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	ino := r.StableAttr().Ino // the mount root is its own parent
	dots := []fuse.DirEntry{{Name: ".", Mode: syscall.S_IFDIR, Ino: ino}, {Name: "..", Mode: syscall.S_IFDIR, Ino: ino}}
	return gofs.NewListDirStream(append(dots, entries...)), 0
}

// Statfs reports a practically unlimited volume, as the trees do.
func (r *connectorsRoot) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	fillStatfs(out)
	return 0
}
