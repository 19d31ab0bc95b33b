package cache

import (
	"context"
	"os"
	"sync"
)

// Whole is a fully cached object version opened from the disk tier: File
// holds exactly the object's bytes (Size of them), every block verified in
// this run. While it is open, evicting any of the object's blocks removes
// the object's files whole (unlink) instead of punching holes in them, so
// File, and any descriptor the kernel took from it, keeps reading the
// same bytes. Close it when the last user of File is done.
type Whole struct {
	File *os.File
	once sync.Once
	done func()
}

// Close releases the object: its files may be evicted as usual again.
func (w *Whole) Close() {
	w.once.Do(w.done)
}

// OpenWhole returns the object version bucket/key/etag of size bytes if
// every one of its blocks is on disk, verified in this run, and its data
// file has exactly size bytes; else nil. Empty objects are never whole.
// Opening refreshes the recency of all its blocks: the reads it serves
// are not seen by the cache.
func (b *Blocks) OpenWhole(bucket, key, etag string, size int64) *Whole {
	if b.disk == nil || etag == "" || size <= 0 {
		return nil
	}
	return b.disk.openWhole(bucket, key, etag, size)
}

func (d *diskTier) openWhole(bucket, key, etag string, size int64) *Whole {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.objects[objName(bucket, key, etag)]
	if o == nil {
		return nil
	}
	n := (size + d.blockSize - 1) / d.blockSize
	if int64(len(o.blocks)) != n {
		return nil
	}
	for i := range n {
		bl := o.blocks[i]
		if bl == nil || !bl.verified || bl.size != min(d.blockSize, size-i*d.blockSize) {
			return nil
		}
	}
	f, err := os.Open(d.dataPath(o.id))
	if err != nil {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Size() != size {
		f.Close()
		return nil
	}
	for i := range n {
		d.lru.Get(blockID{o.id, i})
	}
	o.pins++
	d.ctr.wholeOpens.Add(1)
	return &Whole{File: f, done: func() {
		f.Close()
		d.mu.Lock()
		o.pins--
		d.mu.Unlock()
	}}
}

// MissingOnDisk returns the indexes of the blocks of object version
// bucket/key/etag (size bytes) that the disk tier does not hold, for a
// caller that wants the object whole on disk (FUSE passthrough). It
// returns nothing when there is no disk tier, when the tier holds none of
// the object's blocks, or when the object could not fit its budget
// (its blocks, their index entries and its index header). When some are
// missing, the present ones become the most recently used on disk, so
// storing the missing ones evicts other objects' blocks first.
func (b *Blocks) MissingOnDisk(bucket, key, etag string, size int64) []int64 {
	if b.disk == nil || etag == "" || size <= 0 {
		return nil
	}
	return b.disk.missing(bucket, key, etag, size)
}

func (d *diskTier) missing(bucket, key, etag string, size int64) []int64 {
	n := (size + d.blockSize - 1) / d.blockSize
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.objects[objName(bucket, key, etag)]
	if o == nil || o.overhead()+size+n*idxEntryLen > d.budget {
		return nil
	}
	var out []int64
	for i := range n {
		if o.blocks[i] == nil {
			out = append(out, i)
		}
	}
	if len(out) > 0 {
		// Reads served from memory leave the disk recency alone: without
		// this, the object's own blocks would be the first evicted to
		// make room for its missing ones.
		for i := range n {
			if o.blocks[i] != nil {
				d.lru.Get(blockID{o.id, i})
			}
		}
	}
	return out
}

// SaveToDisk puts block k on the disk tier for a caller completing its
// object there (see MissingOnDisk): a block in memory is written from
// there, any other is fetched (Acquire) and stored as fetched blocks are.
// The write goes through the disk write queue and may be skipped like any
// other. A block the tier evicted while it stayed in memory is not marked
// unsaved there, so nothing else would ever write it again. fetched
// reports that the block was not in memory. With ctx done it does
// nothing and returns ctx's error.
func (b *Blocks) SaveToDisk(ctx context.Context, k BlockKey, fetch FetchFunc) (fetched bool, err error) {
	if err := k.validate(); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if b.disk == nil || b.disk.contains(k) {
		return false, nil
	}
	if bl, ok := b.mem.get(k); ok {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return false, ErrClosed
		}
		b.fills.Add(1) // Close waits for the write
		b.mu.Unlock()
		defer b.fills.Done()
		b.writeToDisk(k, bl)
		return false, nil
	}
	v, err := b.Acquire(ctx, k, fetch)
	if err != nil {
		return false, err
	}
	v.Release()
	return true, nil
}
