package vfs

import (
	"sync"
	"sync/atomic"
)

// Top-up: with passthrough, a read-only open of an object hands the
// kernel its cache file only when every block is on the disk tier. A
// sequential read faster than the disk leaves some blocks unwritten
// (cache.BlockConfig.DiskWriteQueue); those still in memory are written
// once the disk keeps up, the others are lost to the disk tier, and the
// object would never be whole: every later open would go through the
// daemon. So when a handle that read the object's last byte is released
// and the tier is missing at most a quarter of the object's blocks (it
// was mostly read, not just its tail), the missing blocks are fetched
// again in the background, one at a time, and stored like any fetched
// block; those still in memory (evicted from the disk tier, or never
// written) are written from there (cache.Blocks.SaveToDisk). At most one
// top-up runs per object version.

// topUps tracks the object versions being topped up; its mutex is a leaf.
type topUps struct {
	mu      sync.Mutex
	running map[object]bool
	blocks  atomic.Int64 // blocks fetched again, for the cache statistics
}

// topUp starts r's top-up if it is due (see above).
func (f *FS) topUp(r *reader) {
	if !f.passthrough() || !r.readEnd.Load() || r.obj.etag == "" {
		return
	}
	missing := f.blocks.MissingOnDisk(r.obj.bucket, r.obj.key, r.obj.etag, r.obj.size)
	n := (r.obj.size + r.blockSize - 1) / r.blockSize
	if len(missing) == 0 || int64(len(missing)) > max(n/4, 1) {
		return
	}
	t := &f.topUps
	t.mu.Lock()
	if t.running[r.obj] {
		t.mu.Unlock()
		return
	}
	if t.running == nil {
		t.running = map[object]bool{}
	}
	t.running[r.obj] = true
	t.mu.Unlock()
	go func() {
		defer func() {
			t.mu.Lock()
			delete(t.running, r.obj)
			t.mu.Unlock()
		}()
		for _, i := range missing {
			// A block still in memory is written from there, not fetched.
			fetched, err := f.blocks.SaveToDisk(f.bg, r.key(i), r.fetcher(i))
			if err != nil {
				return // unmounting, or S3 fails: the next read tries again
			}
			if fetched {
				t.blocks.Add(1)
			}
		}
	}()
}
