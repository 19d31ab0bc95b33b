package fs

import "github.com/hanwen/go-fuse/v2/fuse"

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
