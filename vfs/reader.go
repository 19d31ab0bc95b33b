package vfs

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

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
// budget) with few large GETs, each streamed into the cache block by block
// (cache.Blocks.PrefetchRun). Fetches run detached from the FUSE request (the cache's fills),
// so an interrupted read does not waste a GET its retry needs.
type reader struct {
	client    remote.Client
	blocks    *cache.Blocks
	obj       object
	blockSize int64
	runBlocks int64 // the most blocks one prefetch GET asks for
	ra        *readahead
	clock     func() time.Time
	failed    failedFetch // reader_failed.go
	// wholeMax: an object of at most this many bytes is fetched whole at
	// its first random read (ReadCacheConfig.WholeMax); 0: never.
	// wholeAsked: a whole fetch is running or covered every block.
	wholeMax   int64
	wholeAsked atomic.Bool
	// readEnd: a read reached the object's last byte (topup.go).
	readEnd atomic.Bool
	fsys    *FS
}

// streamMaxFraction: a read of a block nobody has is streamed (answered
// as its bytes arrive, copied into the request's buffer) only if it wants
// at most this fraction of the block. A larger read gains little (it
// waits for most of the block anyway), and its copy writes the adapter's
// request buffer, which the zero-copy reply leaves untouched: streaming
// 1 MiB sequential reads raised the peak RSS of 4 readers under
// --cache-size 512M from 570 to 612 MiB (go-fuse's pooled buffers paged
// in).
const streamMaxFraction = 8

// maxRunBytes bounds one prefetch GET: a window is fetched as several
// runs of this size at once (8 MiB, the part size of mountpoint-s3 and the
// AWS CLI; see readahead_config.go for what was measured).
const maxRunBytes = 8 << 20

func newReader(f *FS, obj object) *reader {
	bs := f.blocks.BlockSize()
	return &reader{
		client: f.client, blocks: f.blocks, obj: obj, blockSize: bs,
		runBlocks: max(maxRunBytes/bs, 1),
		ra:        newReadahead(obj.size, bs, f.cfg.ReadCache.readaheadBlocks(bs)),
		clock:     f.cfg.Clock,
		wholeMax:  f.wholeMax(),
		fsys:      f,
	}
}

// ReadAt reads into p from off. It returns fewer bytes than len(p) only at
// the end of the object, and 0, nil at or past the end.
func (r *reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	res, err := r.read(ctx, p, off, readCopy)
	return len(res.Data), err
}

// Read is ReadAt for FUSE: it returns the bytes read, which are a slice of
// the cached block itself, not a copy in p, when they lie within one
// block; the block then stays held (valid, not reused) until the caller
// calls release, once the adapter has written the reply. release is nil when
// nothing is held.
func (r *reader) Read(ctx context.Context, p []byte, off int64) (data []byte, release func(), err error) {
	res, err := r.read(ctx, p, off, readShare)
	return res.Data, res.Release, err
}

// ReadSpan is Read for an adapter that can also send a file range: a
// range inside one block that is on the disk tier (verified) comes back
// as that range of the cache file (ReadResult.File), held until Release.
func (r *reader) ReadSpan(ctx context.Context, p []byte, off int64) (ReadResult, error) {
	return r.read(ctx, p, off, readSpan)
}

// How read may answer: always a copy in p, or a slice of a cached block,
// or also a range of a cache file.
type readMode int

const (
	readCopy readMode = iota
	readShare
	readSpan
)

// read reads [off, off+len(p)) clamped to the object. With readShare or
// readSpan, a range inside one block is returned as a slice of it (or,
// with readSpan, a range of its disk file), held until Release.
func (r *reader) read(ctx context.Context, p []byte, off int64, mode readMode) (ReadResult, error) {
	if off < 0 {
		return ReadResult{}, fmt.Errorf("read %s: negative offset %d", r.name(), off)
	}
	end := min(off+int64(len(p)), r.obj.size)
	if off >= end {
		return ReadResult{}, nil
	}
	if r.obj.etag == "" {
		n, err := r.readUncached(ctx, p[:end-off], off)
		return ReadResult{Data: p[:n]}, err
	}
	if r.obj.size <= r.wholeMax && !r.ra.sequential(off) && !r.wholeAsked.Swap(true) {
		// A random read of a small object fetches all of it: its other
		// blocks will soon be read too, if the past is any guide (s3fs
		// and geesefs always fetch whole objects), and once all are on
		// disk it may be served by passthrough. Sequential reads have
		// readahead instead, so `head` or `file` of a 60 MiB file still
		// costs one block. Cut short (no prefetch slot free), it is
		// asked again at the next random read: PrefetchRun skips what
		// is already covered.
		if n := (r.obj.size + r.blockSize - 1) / r.blockSize; r.prefetch(0, n) < n {
			r.wholeAsked.Store(false)
		}
	}
	if end == r.obj.size {
		r.readEnd.Store(true)
	}
	first, last := off/r.blockSize, (end-1)/r.blockSize
	from, to := r.ra.observe(off, end)
	if first == last && end-off <= r.blockSize/streamMaxFraction && r.blocks.Absent(r.key(first)) {
		// Nobody has the block: this read starts its fetch, and gets its
		// bytes as they arrive rather than after the whole block (the
		// first read of a file, a random read). Readahead starts after
		// them, so that they do not share the server with it (measured:
		// 1-2 ms more for the first byte of a cold file otherwise).
		res, err := r.readStreamed(ctx, p[:end-off], off, first)
		if from < to {
			r.prefetch(from, to)
		}
		return res, err
	}
	if from < to {
		r.prefetch(from, to)
	}
	if last > first { // fetch the others with one request meanwhile
		r.blocks.PrefetchRun(r.key(first+1), int(last-first), r.fetchRun)
	}
	n := 0
	for i := first; i <= last; i++ {
		start := r.clock()
		if err := r.failed.check(i, start); err != nil {
			return ReadResult{}, err
		}
		within := off + int64(n) - i*r.blockSize
		want := min(end, (i+1)*r.blockSize) - (off + int64(n)) // bytes needed from this block
		var v cache.View
		var err error
		if mode == readSpan && first == last {
			var s cache.Span
			v, s, err = r.blocks.AcquireSpan(ctx, r.key(i), r.fetcher(i))
			if err == nil && s.File != nil {
				if within+want > int64(s.Len) {
					s.Release()
					return ReadResult{}, fmt.Errorf("read %s: block %d is short: %w", r.name(), i, io.ErrUnexpectedEOF)
				}
				return ReadResult{File: s.File, Off: s.Off + within, Len: int(want), Release: s.Release}, nil
			}
		} else {
			v, err = r.blocks.Acquire(ctx, r.key(i), r.fetcher(i))
		}
		if err != nil {
			r.failed.record(i, start, r.clock(), err)
			return ReadResult{}, err
		}
		data := v.Bytes()
		if within+want > int64(len(data)) {
			v.Release()
			return ReadResult{}, fmt.Errorf("read %s: block %d is short: %w", r.name(), i, io.ErrUnexpectedEOF)
		}
		if mode != readCopy && first == last {
			return ReadResult{Data: data[within : within+want], Release: v.Release}, nil
		}
		n += copy(p[n:end-off], data[within:within+want])
		v.Release()
	}
	return ReadResult{Data: p[:n]}, nil
}

// readStreamed reads p at off, all in block i, which no tier holds:
// Blocks.ReadAt answers once those bytes have arrived.
func (r *reader) readStreamed(ctx context.Context, p []byte, off, i int64) (ReadResult, error) {
	start := r.clock()
	if err := r.failed.check(i, start); err != nil {
		return ReadResult{}, err
	}
	got, err := r.blocks.ReadAt(ctx, r.key(i), r.fetcher(i), p, off-i*r.blockSize)
	if err == nil && got < len(p) {
		err = fmt.Errorf("read %s: block %d is short: %w", r.name(), i, io.ErrUnexpectedEOF)
	}
	if err != nil {
		r.failed.record(i, start, r.clock(), err)
		return ReadResult{}, err
	}
	return ReadResult{Data: p[:got]}, nil
}

// prefetch asks the cache for blocks [from, to) in runs of at most
// runBlocks, each one ranged GET streamed into the cache block by block,
// stopping where the cache has no prefetch slot free: readahead hands the
// rest out again on the next read. It returns where it stopped (to when
// every block is covered).
func (r *reader) prefetch(from, to int64) int64 {
	for pos := from; pos < to; {
		got := r.blocks.PrefetchRun(r.key(pos), int(min(to-pos, r.runBlocks)), r.fetchRun)
		if got == 0 {
			r.ra.dropped(pos)
			return pos
		}
		pos += int64(got)
	}
	return to
}

// fetchRun is the cache's RunFetchFunc: one ranged GET, pinned to the
// ETag, of n blocks from first, handed over one block at a time.
func (r *reader) fetchRun(ctx context.Context, first int64, n int, put func([]byte) bool) error {
	off := first * r.blockSize
	end := min((first+int64(n))*r.blockSize, r.obj.size)
	body, err := r.client.Get(ctx, remote.GetRequest{
		Bucket: r.obj.bucket, Key: r.obj.key, IfMatch: r.obj.etag, Offset: off, Length: end - off,
	})
	if err != nil {
		return fmt.Errorf("get %s [%d,+%d) etag %s: %w", r.name(), off, end-off, r.obj.etag, err)
	}
	defer body.Close()
	for pos := off; pos < end; pos += r.blockSize {
		data := r.blocks.Buffer(int(min(r.blockSize, end-pos)))
		if _, err := io.ReadFull(body, data); err != nil {
			return fmt.Errorf("get %s [%d,+%d): body at %d: %w", r.name(), off, end-off, pos, err)
		}
		if !put(data) {
			return nil
		}
	}
	return nil
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
	data := r.blocks.Buffer(int(length))
	if err := cache.FillBody(ctx, body, data); err != nil {
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

// release ends the handle's reads. Its blocks stay in the shared cache;
// an object read to its end may be completed on the disk tier (topup.go).
func (r *reader) release() { r.fsys.topUp(r) }
