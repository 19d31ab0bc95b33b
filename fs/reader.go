package fs

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// keepBlocks is how many blocks one open handle keeps (including the ones
// being fetched): the block being read and the next one, fetched ahead
// when reads are sequential (so two GETs overlap) and needed anyway when
// kernel reads in flight straddle a block boundary.
const keepBlocks = 2

// fetchTimeout bounds one block fetch, which runs detached from the FUSE
// request that asked for it.
const fetchTimeout = 5 * time.Minute

// object identifies one version of an object: what an open handle pins.
type object struct {
	bucket, key, etag string
	size              int64
}

// block is one BlockSize-aligned range of the object, fetched once; done is
// closed when data or err is set.
type block struct {
	index int64
	done  chan struct{}
	data  []byte
	err   error
}

// reader reads one pinned object version in BlockSize-aligned ranged GETs
// with If-Match, so that the bytes it returns all come from that version:
// after an overwrite every fetch fails with remote.ErrPreconditionFailed.
// It keeps the last keepBlocks blocks so that the kernel's sequential
// 128 KiB reads cost one GET per block, and when reads are sequential it
// fetches the next block while the current one is read. (The shared block
// cache with a growing readahead window replaces this later.) Fetches run
// on bg, detached from the request, so an interrupted read does not waste a
// GET the retry needs.
type reader struct {
	client    remote.Client
	obj       object
	blockSize int64
	bg        context.Context

	mu      sync.Mutex
	blocks  []*block // most recently used last; at most keepBlocks
	lastEnd int64    // where the previous read ended
}

func newReader(bg context.Context, c remote.Client, obj object, blockSize int64) *reader {
	return &reader{client: c, obj: obj, blockSize: blockSize, bg: bg}
}

// ReadAt reads into p from off. It returns fewer bytes than len(p) only at
// the end of the object, and 0, nil at or past the end.
func (r *reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read s3://%s/%s: negative offset %d", r.obj.bucket, r.obj.key, off)
	}
	end := min(off+int64(len(p)), r.obj.size)
	n := 0
	for pos := off; pos < end; {
		b, err := r.block(ctx, pos/r.blockSize)
		if err != nil {
			return 0, err
		}
		within := pos - b.index*r.blockSize
		if within >= int64(len(b.data)) {
			return 0, fmt.Errorf("read s3://%s/%s: block %d is short: %w", r.obj.bucket, r.obj.key, b.index, io.ErrUnexpectedEOF)
		}
		c := copy(p[n:end-off], b.data[within:])
		n += c
		pos += int64(c)
	}
	if n > 0 {
		r.readAhead(off, end)
	}
	return n, nil
}

// block returns block index, from the handle or fetched.
func (r *reader) block(ctx context.Context, index int64) (*block, error) {
	b := r.lookupOrStart(index)
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	return b, nil
}

// readAhead notes a completed read of [off, end) and, when it continued
// the previous one, starts fetching the block after the one holding end-1.
// (Called after the read, so that the blocks it used are the most recent
// and the fetch evicts an older one.)
func (r *reader) readAhead(off, end int64) {
	r.mu.Lock()
	sequential := off == r.lastEnd && off > 0
	r.lastEnd = end
	r.mu.Unlock()
	next := (end-1)/r.blockSize + 1
	if sequential && next*r.blockSize < r.obj.size {
		r.lookupOrStart(next)
	}
}

// lookupOrStart returns the kept block index, or starts fetching it.
func (r *reader) lookupOrStart(index int64) *block {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, b := range r.blocks {
		if b.index == index {
			r.blocks = append(append(r.blocks[:i:i], r.blocks[i+1:]...), b)
			return b
		}
	}
	b := &block{index: index, done: make(chan struct{})}
	if len(r.blocks) >= keepBlocks {
		r.blocks = append(r.blocks[:0:0], r.blocks[1:]...)
	}
	r.blocks = append(r.blocks, b)
	go r.fetch(b)
	return b
}

// fetch GETs block b. A failed block is dropped so that a later read tries
// again.
func (r *reader) fetch(b *block) {
	ctx, cancel := context.WithTimeout(r.bg, fetchTimeout)
	defer cancel()
	off := b.index * r.blockSize
	length := min(r.blockSize, r.obj.size-off)
	b.data, b.err = r.get(ctx, off, length)
	if b.err != nil {
		r.forget(b)
	}
	close(b.done)
}

// get reads exactly length bytes at off of the pinned version.
func (r *reader) get(ctx context.Context, off, length int64) ([]byte, error) {
	body, err := r.client.Get(ctx, remote.GetRequest{
		Bucket: r.obj.bucket, Key: r.obj.key, IfMatch: r.obj.etag, Offset: off, Length: length,
	})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s [%d,+%d) etag %s: %w", r.obj.bucket, r.obj.key, off, length, r.obj.etag, err)
	}
	defer body.Close()
	data := make([]byte, length)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, fmt.Errorf("get s3://%s/%s [%d,+%d): body: %w", r.obj.bucket, r.obj.key, off, length, err)
	}
	return data, nil
}

// forget drops b from the kept blocks.
func (r *reader) forget(b *block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, kept := range r.blocks {
		if kept == b {
			r.blocks = append(r.blocks[:i:i], r.blocks[i+1:]...)
			return
		}
	}
}

// release drops the kept blocks (the handle is closed).
func (r *reader) release() {
	r.mu.Lock()
	r.blocks = nil
	r.mu.Unlock()
}
