package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// load returns k's block from disk. A file that fails verification is
// logged, counted, deleted and reported as a miss, as is one that vanished.
func (d *diskTier) load(k BlockKey) ([]byte, bool) {
	id := diskName(k)
	d.mu.Lock()
	e, ok := d.lru.Get(id)
	d.mu.Unlock()
	if !ok {
		return nil, false
	}
	data, err := readBlock(d.path(id), k)
	if err != nil {
		d.reportBad(k, err)
		d.drop(id)
		return nil, false
	}
	d.touch(id, e)
	return data, true
}

func (d *diskTier) reportBad(k BlockKey, err error) {
	switch {
	case errors.Is(err, errCorrupt):
		d.ctr.checksumFailures.Add(1)
		d.log.Warn("cache: discarding corrupt disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
	case errors.Is(err, fs.ErrNotExist):
		// removed behind our back (by hand, or a racing eviction)
	default:
		d.ctr.diskErrors.Add(1)
		d.log.Warn("cache: cannot read disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
	}
}

// readBlock reads and verifies the block file at path, which must hold k.
// The data slice is freshly allocated at its exact length.
func readBlock(path string, k BlockKey) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, headerLen(k))
	if info.Size() < int64(len(hdr)) {
		return nil, fmt.Errorf("%w: file of %d bytes is shorter than its header", errCorrupt, info.Size())
	}
	if err := readFull(f, hdr); err != nil {
		return nil, err
	}
	n, sum, err := decodeHeader(k, hdr)
	if err != nil {
		return nil, err
	}
	if info.Size() != int64(len(hdr))+n {
		return nil, fmt.Errorf("%w: file is %d bytes, header says %d", errCorrupt, info.Size(), int64(len(hdr))+n)
	}
	data := make([]byte, n)
	if err := readFull(f, data); err != nil {
		return nil, err
	}
	return data, verifyData(data, sum)
}

// touch refreshes the file's mtime (the access time a restart orders by)
// when it is older than touchInterval.
func (d *diskTier) touch(id fileID, e diskEntry) {
	now := d.clock()
	if now.UnixNano()-e.touched < int64(touchInterval) {
		return
	}
	if err := os.Chtimes(d.path(id), now, now); err != nil {
		return // evicted meanwhile: nothing to refresh
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, ok := d.lru.Peek(id); ok {
		cur.touched = now.UnixNano()
		d.lru.Add(id, cur)
	}
}

// store writes k's block: reserve its size (evicting as needed), write a
// temp file, rename it into place, then index it. A block that cannot fit
// or fails to write is simply not cached on disk.
func (d *diskTier) store(k BlockKey, data []byte) {
	hdr, err := encodeHeader(k, data)
	if err != nil {
		return
	}
	id := diskName(k)
	size := int64(len(hdr) + len(data))
	if !d.reserve(id, size) {
		return
	}
	now := d.clock()
	if err := d.writeFile(id, hdr, data, now); err != nil {
		d.mu.Lock()
		d.bytes -= size
		d.mu.Unlock()
		d.ctr.diskErrors.Add(1)
		d.log.Warn("cache: cannot write disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lru.Add(id, diskEntry{size: size, touched: now.UnixNano()})
}

// reserve counts size bytes against the budget before the file exists, so
// files being written are within the budget too.
func (d *diskTier) reserve(id fileID, size int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.lru.Peek(id); ok { // replaced by the rename below
		d.lru.Remove(id)
		d.bytes -= e.size
	}
	if !d.evictLocked(size) {
		return false
	}
	d.bytes += size
	return true
}

// writeFile writes the block under a temp name, stamps it with the
// injected clock's time (so the index and a later scan agree on access
// times) and renames it into place.
func (d *diskTier) writeFile(id fileID, hdr, data []byte, now time.Time) (err error) {
	final := d.path(id)
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(final)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(hdr); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chtimes(f.Name(), now, now); err != nil {
		return err
	}
	return os.Rename(f.Name(), final)
}
