package fs

import (
	"context"
	"fmt"
	"io"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/remote"
)

// object identifies one version of an object: what an open handle pins.
type object struct {
	bucket, key, etag string
	size              int64
}

// reader reads one pinned object version through the FS's block cache.
// Blocks are BlockSize-aligned ranges keyed by bucket, key, ETag and index;
// a missing block is fetched with a ranged GET carrying If-Match on the
// pinned ETag, so every byte returned comes from that version: after an
// overwrite each fetch fails with remote.ErrPreconditionFailed (EIO), and
// the cache can never hold bytes of another version under this key.
//
// Reads are fed to the handle's readahead, whose blocks are prefetched
// into the same cache (so readahead memory is cache memory, under its
// budget). Fetches run detached from the FUSE request (the cache's fills),
// so an interrupted read does not waste a GET its retry needs.
type reader struct {
	client    remote.Client
	blocks    *cache.Blocks
	obj       object
	blockSize int64
	ra        *readahead
}

func newReader(f *FS, obj object) *reader {
	bs := f.blocks.BlockSize()
	return &reader{
		client: f.client, blocks: f.blocks, obj: obj, blockSize: bs,
		ra: newReadahead(obj.size, bs, f.cfg.ReadCache.readaheadBlocks(bs)),
	}
}

// ReadAt reads into p from off. It returns fewer bytes than len(p) only at
// the end of the object, and 0, nil at or past the end.
func (r *reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.name(), off)
	}
	end := min(off+int64(len(p)), r.obj.size)
	if off >= end {
		return 0, nil
	}
	if r.obj.etag == "" {
		return r.readUncached(ctx, p[:end-off], off)
	}
	if from, to := r.ra.observe(off, end); from < to {
		r.prefetch(from, to)
	}
	first, last := off/r.blockSize, (end-1)/r.blockSize
	for i := first + 1; i <= last; i++ { // start them all: one round trip
		r.blocks.Prefetch(r.key(i), r.fetcher(i))
	}
	n := 0
	for i := first; i <= last; i++ {
		data, err := r.blocks.Get(ctx, r.key(i), r.fetcher(i))
		if err != nil {
			return 0, err
		}
		within := off + int64(n) - i*r.blockSize
		if within >= int64(len(data)) {
			return 0, fmt.Errorf("read %s: block %d is short: %w", r.name(), i, io.ErrUnexpectedEOF)
		}
		n += copy(p[n:end-off], data[within:])
	}
	return n, nil
}

// prefetch asks the cache for blocks [from, to), stopping at the first one
// it drops (all prefetch slots busy): readahead hands that one out again on
// the next read.
func (r *reader) prefetch(from, to int64) {
	for i := from; i < to; i++ {
		if !r.blocks.Prefetch(r.key(i), r.fetcher(i)) {
			r.ra.dropped(i)
			return
		}
	}
}

func (r *reader) key(index int64) cache.BlockKey {
	return cache.BlockKey{Bucket: r.obj.bucket, Key: r.obj.key, ETag: r.obj.etag, Index: index}
}

// fetcher returns the fetch of block index: a ranged GET pinned to the
// ETag.
func (r *reader) fetcher(index int64) cache.FetchFunc {
	return func(ctx context.Context) ([]byte, error) {
		off := index * r.blockSize
		return r.get(ctx, off, min(r.blockSize, r.obj.size-off), r.obj.etag)
	}
}

// get reads exactly length bytes at off (of version etag, unless etag is
// empty) into a new slice.
func (r *reader) get(ctx context.Context, off, length int64, etag string) ([]byte, error) {
	body, err := r.client.Get(ctx, remote.GetRequest{
		Bucket: r.obj.bucket, Key: r.obj.key, IfMatch: etag, Offset: off, Length: length,
	})
	if err != nil {
		return nil, fmt.Errorf("get %s [%d,+%d) etag %s: %w", r.name(), off, length, etag, err)
	}
	defer body.Close()
	data := make([]byte, length)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, fmt.Errorf("get %s [%d,+%d): body: %w", r.name(), off, length, err)
	}
	return data, nil
}

// readUncached serves an object the server gave no ETag (some
// S3-compatible servers omit it): nothing can be pinned or cached, so p is
// read with one ranged GET.
func (r *reader) readUncached(ctx context.Context, p []byte, off int64) (int, error) {
	data, err := r.get(ctx, off, int64(len(p)), "")
	if err != nil {
		return 0, err
	}
	return copy(p, data), nil
}

func (r *reader) name() string { return s3Scheme + r.obj.bucket + "/" + r.obj.key }

// release ends the handle's reads. Its blocks stay in the shared cache.
func (r *reader) release() {}
