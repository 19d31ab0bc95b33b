package fs

import (
	"bytes"
	"log/slog"
	"syscall"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// harness drives an FS through go-fuse's request bridge, as the kernel
// would, without mounting (an in-process mount can deadlock a test).
type harness struct {
	t        *testing.T
	fake     *remote.Fake
	counting *remote.Counting
	clock    *testClock
	log      *bytes.Buffer
	fsys     *vfs.FS
	raw      fuse.RawFileSystem
}

const rootID = 1

func newHarness(t *testing.T, src vfs.Source, mod func(*vfs.Config)) *harness {
	t.Helper()
	fake, counting := newFake(t)
	clock := newTestClock()
	fake.SetClock(clock.Now)
	var buf bytes.Buffer
	cfg := vfs.Config{
		Source: src, UID: 1000, GID: 1000, Clock: clock.Now,
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := vfs.New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(t.Context()) })
	raw := gofs.NewNodeFS(Root(fsys), options(fsys, MountOptions{}))
	return &harness{t: t, fake: fake, counting: counting, clock: clock, log: &buf, fsys: fsys, raw: raw}
}

func hdr(node uint64) fuse.InHeader { return fuse.InHeader{NodeId: node} }

// lookup looks name up in node.
func (h *harness) lookup(node uint64, name string) (fuse.EntryOut, syscall.Errno) {
	var out fuse.EntryOut
	in := hdr(node)
	st := h.raw.Lookup(nil, &in, name, &out)
	if st == fuse.OK && out.NodeId == 0 {
		return out, syscall.ENOENT // negative entry
	}
	return out, syscall.Errno(st)
}

// path looks up each name in turn from the root and returns the node ID.
func (h *harness) path(names ...string) uint64 {
	h.t.Helper()
	node := uint64(rootID)
	for _, n := range names {
		out, errno := h.lookup(node, n)
		if errno != 0 {
			h.t.Fatalf("lookup %q: %v", n, errno)
		}
		node = out.NodeId
	}
	return node
}

func (h *harness) getattr(node uint64) (fuse.AttrOut, syscall.Errno) {
	var out fuse.AttrOut
	in := fuse.GetAttrIn{InHeader: hdr(node)}
	st := h.raw.GetAttr(nil, &in, &out)
	return out, syscall.Errno(st)
}

// readdir lists node with READDIRPLUS (plus) or READDIR, in small buffers
// so that the stream is read in several requests, as the kernel does.
func (h *harness) readdir(node uint64, plus bool) ([]fuse.DirEntry, []fuse.EntryOut, syscall.Errno) {
	h.t.Helper()
	var open fuse.OpenOut
	if st := h.raw.OpenDir(nil, &fuse.OpenIn{InHeader: hdr(node)}, &open); st != fuse.OK {
		return nil, nil, syscall.Errno(st)
	}
	defer h.raw.ReleaseDir(&fuse.ReleaseIn{InHeader: hdr(node), Fh: open.Fh})
	var entries []fuse.DirEntry
	var outs []fuse.EntryOut
	off := uint64(0)
	for {
		buf := make([]byte, 4096)
		list := fuse.NewDirEntryList(buf, off)
		in := fuse.ReadIn{InHeader: hdr(node), Fh: open.Fh, Offset: off, Size: uint32(len(buf))}
		var st fuse.Status
		if plus {
			st = h.raw.ReadDirPlus(nil, &in, list)
		} else {
			st = h.raw.ReadDir(nil, &in, list)
		}
		if st != fuse.OK {
			return nil, nil, syscall.Errno(st)
		}
		if len(list.Bytes()) == 0 {
			return entries, outs, 0
		}
		var es []fuse.DirEntry
		var os []fuse.EntryOut
		var err error
		if plus {
			es, os, err = fuse.ParseDirLookupEntries(list.Bytes())
		} else {
			es, err = fuse.ParseDirEntries(list.Bytes())
		}
		if err != nil {
			h.t.Fatal(err)
		}
		entries, outs = append(entries, es...), append(outs, os...)
		off = es[len(es)-1].Off
	}
}

// open opens node with flags.
func (h *harness) open(node uint64, flags uint32) (fuse.OpenOut, syscall.Errno) {
	var out fuse.OpenOut
	st := h.raw.Open(nil, &fuse.OpenIn{InHeader: hdr(node), Flags: flags}, &out)
	return out, syscall.Errno(st)
}

func (h *harness) read(node, fh uint64, off int64, size int) ([]byte, syscall.Errno) {
	buf := make([]byte, size)
	in := fuse.ReadIn{InHeader: hdr(node), Fh: fh, Offset: uint64(off), Size: uint32(size)}
	res, st := h.raw.Read(nil, &in, buf)
	if st != fuse.OK {
		return nil, syscall.Errno(st)
	}
	data, st := res.Bytes(buf)
	return append([]byte(nil), data...), syscall.Errno(st)
}

func (h *harness) release(node, fh uint64) {
	h.raw.Release(nil, &fuse.ReleaseIn{InHeader: hdr(node), Fh: fh})
}

// readAll reads node from start to end in kernel-sized requests.
func (h *harness) readAll(node uint64) []byte {
	h.t.Helper()
	out, errno := h.open(node, syscall.O_RDONLY)
	if errno != 0 {
		h.t.Fatalf("open: %v", errno)
	}
	defer h.release(node, out.Fh)
	var all []byte
	for {
		data, errno := h.read(node, out.Fh, int64(len(all)), 128<<10)
		if errno != 0 {
			h.t.Fatalf("read at %d: %v", len(all), errno)
		}
		if len(data) == 0 {
			return all
		}
		all = append(all, data...)
	}
}

// names returns the entry names, without "." and "..".
func entryNames(es []fuse.DirEntry) []string {
	var out []string
	for _, e := range es {
		if e.Name != "." && e.Name != ".." {
			out = append(out, e.Name)
		}
	}
	return out
}
