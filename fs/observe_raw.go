package fs

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// observedFS wraps go-fuse's raw file system (the node bridge) and reports
// every answered operation to an Observer. Operations it does not
// override (Forget, Init, OnUnmount, String, SetDebug) pass through
// uncounted. It holds no state of its own, so it needs no lock.
type observedFS struct {
	fuse.RawFileSystem
	obs Observer
	now func() time.Time
}

// done reports op, answered with st, that started at start.
func (o *observedFS) done(op string, start time.Time, st fuse.Status) fuse.Status {
	o.obs.Op(op, syscall.Errno(st), o.now().Sub(start))
	return st
}

func (o *observedFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	t := o.now()
	return o.done("lookup", t, o.RawFileSystem.Lookup(c, h, name, out))
}

func (o *observedFS) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	t := o.now()
	return o.done("getattr", t, o.RawFileSystem.GetAttr(c, in, out))
}

func (o *observedFS) SetAttr(c <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	t := o.now()
	return o.done("setattr", t, o.RawFileSystem.SetAttr(c, in, out))
}

func (o *observedFS) Mknod(c <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	t := o.now()
	return o.done("mknod", t, o.RawFileSystem.Mknod(c, in, name, out))
}

func (o *observedFS) Mkdir(c <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	t := o.now()
	return o.done("mkdir", t, o.RawFileSystem.Mkdir(c, in, name, out))
}

func (o *observedFS) Unlink(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	t := o.now()
	return o.done("unlink", t, o.RawFileSystem.Unlink(c, h, name))
}

func (o *observedFS) Rmdir(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	t := o.now()
	return o.done("rmdir", t, o.RawFileSystem.Rmdir(c, h, name))
}

func (o *observedFS) Rename(c <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	t := o.now()
	return o.done("rename", t, o.RawFileSystem.Rename(c, in, oldName, newName))
}

func (o *observedFS) Link(c <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	t := o.now()
	return o.done("link", t, o.RawFileSystem.Link(c, in, name, out))
}

func (o *observedFS) Symlink(c <-chan struct{}, h *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	t := o.now()
	return o.done("symlink", t, o.RawFileSystem.Symlink(c, h, target, name, out))
}

func (o *observedFS) Readlink(c <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	t := o.now()
	b, st := o.RawFileSystem.Readlink(c, h)
	return b, o.done("readlink", t, st)
}

func (o *observedFS) Access(c <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	t := o.now()
	return o.done("access", t, o.RawFileSystem.Access(c, in))
}

func (o *observedFS) GetXAttr(c <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	t := o.now()
	n, st := o.RawFileSystem.GetXAttr(c, h, attr, dest)
	return n, o.done("getxattr", t, st)
}

func (o *observedFS) ListXAttr(c <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	t := o.now()
	n, st := o.RawFileSystem.ListXAttr(c, h, dest)
	return n, o.done("listxattr", t, st)
}

func (o *observedFS) SetXAttr(c <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	t := o.now()
	return o.done("setxattr", t, o.RawFileSystem.SetXAttr(c, in, attr, data))
}

func (o *observedFS) RemoveXAttr(c <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	t := o.now()
	return o.done("removexattr", t, o.RawFileSystem.RemoveXAttr(c, h, attr))
}

func (o *observedFS) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	t := o.now()
	return o.done("create", t, o.RawFileSystem.Create(c, in, name, out))
}

func (o *observedFS) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t := o.now()
	return o.done("open", t, o.RawFileSystem.Open(c, in, out))
}

func (o *observedFS) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	t := o.now()
	o.obs.RequestSize("read", int(in.Size))
	r, st := o.RawFileSystem.Read(c, in, buf)
	return r, o.done("read", t, st)
}

func (o *observedFS) Lseek(c <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	t := o.now()
	return o.done("lseek", t, o.RawFileSystem.Lseek(c, in, out))
}

func (o *observedFS) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	t := o.now()
	o.RawFileSystem.Release(c, in)
	o.done("release", t, fuse.OK)
}

func (o *observedFS) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	t := o.now()
	o.obs.RequestSize("write", len(data))
	n, st := o.RawFileSystem.Write(c, in, data)
	return n, o.done("write", t, st)
}

// Writev is how go-fuse delivers WRITE; on ENOSYS it calls Write, which
// counts the operation instead.
func (o *observedFS) Writev(c <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	t := o.now()
	n, st := o.RawFileSystem.Writev(c, in, data)
	if st == fuse.ENOSYS {
		return n, st
	}
	size := 0
	for _, d := range data {
		size += len(d)
	}
	o.obs.RequestSize("write", size)
	return n, o.done("write", t, st)
}

func (o *observedFS) CopyFileRange(c <-chan struct{}, in *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	t := o.now()
	n, st := o.RawFileSystem.CopyFileRange(c, in)
	return n, o.done("copy_file_range", t, st)
}

func (o *observedFS) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	t := o.now()
	return o.done("flush", t, o.RawFileSystem.Flush(c, in))
}

func (o *observedFS) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	t := o.now()
	return o.done("fsync", t, o.RawFileSystem.Fsync(c, in))
}

func (o *observedFS) Fallocate(c <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	t := o.now()
	return o.done("fallocate", t, o.RawFileSystem.Fallocate(c, in))
}

func (o *observedFS) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t := o.now()
	return o.done("opendir", t, o.RawFileSystem.OpenDir(c, in, out))
}

func (o *observedFS) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	t := o.now()
	return o.done("readdir", t, o.RawFileSystem.ReadDir(c, in, out))
}

func (o *observedFS) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	t := o.now()
	return o.done("readdirplus", t, o.RawFileSystem.ReadDirPlus(c, in, out))
}

func (o *observedFS) ReleaseDir(in *fuse.ReleaseIn) {
	t := o.now()
	o.RawFileSystem.ReleaseDir(in)
	o.done("releasedir", t, fuse.OK)
}

func (o *observedFS) FsyncDir(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	t := o.now()
	return o.done("fsyncdir", t, o.RawFileSystem.FsyncDir(c, in))
}

func (o *observedFS) StatFs(c <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	t := o.now()
	return o.done("statfs", t, o.RawFileSystem.StatFs(c, h, out))
}

func (o *observedFS) Statx(c <-chan struct{}, in *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	t := o.now()
	return o.done("statx", t, o.RawFileSystem.Statx(c, in, out))
}
