package fs

import (
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// heldResult is a FUSE read reply whose bytes are a cached block held for
// reading: go-fuse calls Done once it has written them to the kernel, and
// only then may the block be recycled.
type heldResult struct {
	data    []byte
	release func()
}

func (r heldResult) Bytes([]byte) ([]byte, fuse.Status) { return r.data, fuse.OK }
func (r heldResult) Size() int                          { return len(r.data) }
func (r heldResult) Done()                              { r.release() }

// Slices makes go-fuse write the reply with one writev(2) straight from
// the block. Without it go-fuse first tries splice(2), which cannot carry
// a byte slice: per 1 MiB read that cost a pipe resize that fails (and a
// log line) before the writev.
func (r heldResult) Slices() ([][]byte, fuse.Status) { return [][]byte{r.data}, fuse.OK }

// spanResult is a FUSE read reply that is a range of a disk-cache file:
// go-fuse splices it from the file into /dev/fuse (Seekable), so the bytes
// never enter the daemon; Done releases the range, which the cache keeps
// valid until then even if it evicts the block.
type spanResult struct {
	fd      uintptr
	off     int64
	size    int
	release func()
}

func (r spanResult) Seekable() (fd uintptr, off int64, sz int) { return r.fd, r.off, r.size }
func (r spanResult) Size() int                                 { return r.size }
func (r spanResult) Done()                                     { r.release() }

// Bytes is go-fuse's fallback when splice fails: read the range into buf.
func (r spanResult) Bytes(buf []byte) ([]byte, fuse.Status) {
	return preadResult(r).Bytes(buf)
}

// preadResult is a span that go-fuse reads into its buffer with pread(2)
// instead of splicing (no Seekable method): where splice(2) cannot carry
// the reply (see spliceFits), trying first would cost a failed pipe
// resize and a log line per read.
type preadResult spanResult

func (r preadResult) Size() int { return r.size }
func (r preadResult) Done()     { r.release() }

func (r preadResult) Bytes(buf []byte) ([]byte, fuse.Status) {
	n := min(len(buf), r.size)
	got, err := syscall.Pread(int(r.fd), buf[:n], r.off)
	if err != nil {
		return nil, fuse.ToStatus(err)
	}
	return buf[:got], fuse.OK
}
