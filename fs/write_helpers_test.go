package fs

import (
	"context"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// newWriteHarness is a harness for a writable tree whose staging files go
// in a test directory; mod may change the config further.
func newWriteHarness(t *testing.T, src vfs.Source, mod func(*vfs.Config)) *harness {
	t.Helper()
	stage := t.TempDir()
	return newHarness(t, src, func(c *vfs.Config) {
		c.Write.StageDir = stage
		c.Write.PartSize = remote.MinPartSize
		c.Write.Concurrency = 2
		if mod != nil {
			mod(c)
		}
	})
}

// create creates name in dir with flags (O_CREAT implied) and returns the
// node ID and handle.
func (h *harness) create(dir uint64, name string, flags uint32) (uint64, uint64, syscall.Errno) {
	var out fuse.CreateOut
	st := h.raw.Create(nil, &fuse.CreateIn{InHeader: hdr(dir), Flags: flags | syscall.O_CREAT, Mode: 0o644}, name, &out)
	return out.NodeId, out.Fh, syscall.Errno(st)
}

// write writes data at off through handle fh of node.
func (h *harness) write(node, fh uint64, off int64, data []byte) syscall.Errno {
	n, st := h.raw.Write(nil, &fuse.WriteIn{InHeader: hdr(node), Fh: fh, Offset: uint64(off), Size: uint32(len(data))}, data)
	if st == fuse.OK && int(n) != len(data) {
		h.t.Fatalf("short write: %d of %d", n, len(data))
	}
	return syscall.Errno(st)
}

// writeAll writes data from off in kernel-sized requests.
func (h *harness) writeAll(node, fh uint64, off int64, data []byte) {
	h.t.Helper()
	const chunk = 128 << 10
	for pos := 0; pos < len(data); pos += chunk {
		if errno := h.write(node, fh, off+int64(pos), data[pos:min(pos+chunk, len(data))]); errno != 0 {
			h.t.Fatalf("write at %d: %v", off+int64(pos), errno)
		}
	}
}

// flush flushes fh with the request context cancel (nil: never
// interrupted).
func (h *harness) flushWith(cancel <-chan struct{}, node, fh uint64) syscall.Errno {
	return syscall.Errno(h.raw.Flush(cancel, &fuse.FlushIn{InHeader: hdr(node), Fh: fh}))
}

func (h *harness) flush(node, fh uint64) syscall.Errno { return h.flushWith(nil, node, fh) }

// close is what close(2) sends: FLUSH, then RELEASE.
func (h *harness) close(node, fh uint64) syscall.Errno {
	errno := h.flush(node, fh)
	h.release(node, fh)
	return errno
}

// setattr sends SETATTR with in's fields (Valid says which).
func (h *harness) setattr(node uint64, in fuse.SetAttrIn) (fuse.AttrOut, syscall.Errno) {
	in.InHeader = hdr(node)
	var out fuse.AttrOut
	st := h.raw.SetAttr(nil, &in, &out)
	return out, syscall.Errno(st)
}

// truncate sets node's size by path (no handle).
func (h *harness) truncate(node uint64, size uint64) syscall.Errno {
	_, errno := h.setattr(node, fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{Valid: fuse.FATTR_SIZE, Size: size}})
	return errno
}

func (h *harness) mkdir(dir uint64, name string) (uint64, syscall.Errno) {
	var out fuse.EntryOut
	st := h.raw.Mkdir(nil, &fuse.MkdirIn{InHeader: hdr(dir), Mode: 0o755}, name, &out)
	return out.NodeId, syscall.Errno(st)
}

func (h *harness) unlink(dir uint64, name string) syscall.Errno {
	in := hdr(dir)
	return syscall.Errno(h.raw.Unlink(nil, &in, name))
}

func (h *harness) rmdir(dir uint64, name string) syscall.Errno {
	in := hdr(dir)
	return syscall.Errno(h.raw.Rmdir(nil, &in, name))
}

func (h *harness) rename(dir uint64, name string, newDir uint64, newName string, flags uint32) syscall.Errno {
	return syscall.Errno(h.raw.Rename(nil, &fuse.RenameIn{InHeader: hdr(dir), Newdir: newDir, Flags: flags}, name, newName))
}

// object reads key of testBucket from the fake, or reports it missing.
func (h *harness) object(key string) ([]byte, bool) {
	h.t.Helper()
	rc, err := h.fake.Get(context.Background(), remote.GetRequest{Bucket: testBucket, Key: key, Length: -1})
	if errors.Is(err, remote.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		h.t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		h.t.Fatal(err)
	}
	return b, true
}

// mustObject is object, failing t when key is missing.
func (h *harness) mustObject(key string) []byte {
	h.t.Helper()
	b, ok := h.object(key)
	if !ok {
		h.t.Fatalf("%s not in S3", key)
	}
	return b
}

// head returns key's attributes in the fake.
func (h *harness) head(key string) remote.ObjectInfo {
	h.t.Helper()
	info, err := h.fake.Head(context.Background(), testBucket, key)
	if err != nil {
		h.t.Fatalf("head %s: %v", key, err)
	}
	return info
}

// mutations counts the requests that could change a bucket.
func (h *harness) mutations() int64 {
	var n int64
	for _, op := range []string{remote.OpPut, remote.OpCopy, remote.OpDelete, remote.OpCreateBucket,
		remote.OpDeleteBucket, remote.OpCreateMultipart, remote.OpUploadPart, remote.OpUploadPartCopy,
		remote.OpCompleteMultipart, remote.OpAbortMultipart} {
		n += h.counting.Count(op)
	}
	return n
}

// mtimeOf returns the mtime in attr.
func mtimeOf(a fuse.AttrOut) time.Time { return time.Unix(int64(a.Mtime), int64(a.Mtimensec)) }

// keys lists every key of testBucket in the fake, sorted.
func (h *harness) keys() []string {
	h.t.Helper()
	var out []string
	req := remote.ListRequest{Bucket: testBucket}
	for {
		page, err := h.fake.List(context.Background(), req)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, o := range page.Objects {
			out = append(out, o.Key)
		}
		if page.NextToken == "" {
			return out
		}
		req.Token = page.NextToken
	}
}
