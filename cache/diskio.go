package cache

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

// load returns k's block from disk, verified against its CRC (and marks
// it verified for this run). A block that fails verification is logged,
// counted, dropped and reported as a miss, as is one whose file vanished.
func (d *diskTier) load(k BlockKey) ([]byte, bool) {
	f, o, b, ok := d.pin(k, false)
	if !ok {
		return nil, false
	}
	data := make([]byte, b.size)
	_, err := f.ReadAt(data, k.Index*d.blockSize)
	f.Close()
	if err == nil {
		err = verifyData(data, b.crc)
	} else if !errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("%w: %w", errCorrupt, err) // short: a torn or truncated file
	}
	d.unpin(o, k.Index, err == nil)
	if err != nil {
		d.reportBad(k, err)
		d.drop(o, k.Index)
		return nil, false
	}
	d.touch(o)
	return data, true
}

// pin finds k's block (only a verified one with onlyVerified) and opens
// its object's data file for reading, with the block pinned (its bytes
// stay until unpin, even if it is evicted). The file is opened under
// d.mu, so it is the object's current file.
func (d *diskTier) pin(k BlockKey, onlyVerified bool) (*os.File, *diskObject, *diskBlock, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.objects[objName(k.Bucket, k.Key, k.ETag)]
	if o == nil {
		return nil, nil, nil, false
	}
	b, ok := o.blocks[k.Index]
	if !ok || (onlyVerified && !b.verified) {
		return nil, nil, nil, false
	}
	f, err := os.Open(d.dataPath(o.id))
	if err != nil {
		d.reportBad(k, err)
		d.removeObjectLocked(o)
		return nil, nil, nil, false
	}
	d.lru.Get(blockID{o.id, k.Index}) // recency
	o.pinned[k.Index]++
	return f, o, b, true
}

// unpin ends a read of block index; verified marks it checked in this
// run. A block evicted while pinned has its hole punched now, unless it
// was stored again meanwhile.
func (d *diskTier) unpin(o *diskObject, index int64, verified bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b := o.blocks[index]; b != nil && verified {
		b.verified = true
	}
	if o.pinned[index]--; o.pinned[index] > 0 {
		return
	}
	delete(o.pinned, index)
	if !o.doomed[index] {
		return
	}
	delete(o.doomed, index)
	if o.dead || o.blocks[index] != nil || o.storing[index] {
		return
	}
	if err := d.punch(o, index); err != nil {
		d.ctr.diskErrors.Add(1)
		d.log.Warn("cache: cannot drop an evicted block; removing its object", "err", err)
		d.removeObjectLocked(o)
	}
}

// drop forgets block index of o after it failed verification.
func (d *diskTier) drop(o *diskObject, index int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o.dead || o.blocks[index] == nil {
		return
	}
	d.lru.Remove(blockID{o.id, index})
	d.punchLocked(o, index)
}

func (d *diskTier) reportBad(k BlockKey, err error) {
	switch {
	case errors.Is(err, errCorrupt):
		d.ctr.checksumFailures.Add(1)
		d.log.Warn("cache: discarding corrupt disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
	case errors.Is(err, fs.ErrNotExist):
		// removed behind our back (by hand)
	default:
		d.ctr.diskErrors.Add(1)
		d.log.Warn("cache: cannot read disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
	}
}

// clearEntry marks block index absent in o's index file.
func (d *diskTier) clearEntry(o *diskObject, index int64) error {
	f, err := os.OpenFile(d.idxPath(o.id), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(make([]byte, idxEntryLen), o.hdrLen+index*idxEntryLen)
	return err
}

// punch deallocates block index's slot in o's data file (all of it: a
// partial file system block would only be zeroed), keeping the file's
// size (punchHole: Linux; elsewhere the slot is zeroed).
func (d *diskTier) punch(o *diskObject, index int64) error {
	f, err := os.OpenFile(d.dataPath(o.id), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return punchHole(f, index*d.blockSize, d.blockSize)
}

// touch refreshes the object's index file mtime (the access time a
// restart orders by) when it is older than touchInterval.
func (d *diskTier) touch(o *diskObject) {
	now := d.clock()
	d.mu.Lock()
	stale := now.UnixNano()-o.touched >= int64(touchInterval) && !o.dead
	if stale {
		o.touched = now.UnixNano()
	}
	d.mu.Unlock()
	if stale {
		os.Chtimes(d.idxPath(o.id), now, now) // evicted meanwhile: nothing to refresh
	}
}

// store writes k's block: reserve its cost (evicting as needed), write the
// data at its offset, then its index entry, then index it. A block that
// cannot fit or fails to write is simply not cached on disk.
func (d *diskTier) store(k BlockKey, data []byte) {
	o, files, ok := d.reserve(k, int64(len(data)))
	if !ok {
		return
	}
	crc := crc32.Checksum(data, castagnoli)
	err := writeBlock(files, o.hdrLen, k.Index*d.blockSize, k.Index, data, crc)
	if err == nil {
		now := d.clock()
		err = os.Chtimes(files[1].Name(), now, now)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(o.storing, k.Index)
	if err != nil || o.dead {
		d.bytes -= blockCost(int64(len(data)))
		if err != nil && !o.dead {
			d.ctr.diskErrors.Add(1)
			d.warnWriteLocked("cache: cannot write disk block", "bucket", k.Bucket, "key", k.Key, "block", k.Index, "err", err)
			d.removeObjectLocked(o)
		}
		return
	}
	o.blocks[k.Index] = &diskBlock{size: int64(len(data)), crc: crc, verified: true}
	d.lru.Add(blockID{o.id, k.Index}, struct{}{})
}

// reserve counts the block's cost (and a new object's index header)
// against the budget before it is written, so blocks being written are
// within the budget too, creates the object's files if it has none, and
// opens them for writing (data, index): opened under d.mu, they are this
// object's, and a write into an object removed meanwhile lands in its
// unlinked inode, never in a successor's. It reports false for a block
// already present or being stored, or one that cannot fit.
func (d *diskTier) reserve(k BlockKey, size int64) (*diskObject, [2]*os.File, bool) {
	var files [2]*os.File
	id := objName(k.Bucket, k.Key, k.ETag)
	hdr, err := encodeIdxHeader(k.Bucket, k.Key, k.ETag, d.blockSize)
	if err != nil {
		return nil, files, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if o := d.objects[id]; o != nil && (o.blocks[k.Index] != nil || o.storing[k.Index]) {
		return nil, files, false
	}
	need := blockCost(size)
	if d.objects[id] == nil {
		need += int64(len(hdr))
	}
	if !d.evictLocked(need) {
		return nil, files, false
	}
	o := d.objects[id] // eviction may have removed it
	if o == nil {
		o = newDiskObject(id, k.Bucket, k.Key, k.ETag, int64(len(hdr)))
		err = d.createFiles(id, hdr)
	}
	if err == nil {
		files, err = d.openForWrite(id)
	}
	if err != nil {
		d.ctr.diskErrors.Add(1)
		d.warnWriteLocked("cache: cannot open disk cache files", "bucket", k.Bucket, "key", k.Key, "err", err)
		if d.objects[id] == o {
			d.removeObjectLocked(o)
		}
		return nil, files, false
	}
	if d.objects[id] == nil {
		o.touched = d.clock().UnixNano()
		d.objects[id] = o
		d.bytes += o.overhead()
	}
	d.bytes += blockCost(size)
	o.storing[k.Index] = true
	delete(o.doomed, k.Index) // rewritten: no late punch
	return o, files, true
}

func (d *diskTier) openForWrite(id fileID) ([2]*os.File, error) {
	var files [2]*os.File
	data, err := os.OpenFile(d.dataPath(id), os.O_WRONLY, 0)
	if err != nil {
		return files, err
	}
	idx, err := os.OpenFile(d.idxPath(id), os.O_WRONLY, 0)
	if err != nil {
		data.Close()
		return files, err
	}
	return [2]*os.File{data, idx}, nil
}

// createFiles makes an object's empty data file and its index file with
// hdr and no entries, replacing whatever was at their names.
func (d *diskTier) createFiles(id fileID, hdr []byte) error {
	if err := os.MkdirAll(filepath.Dir(d.dataPath(id)), 0o700); err != nil {
		return err
	}
	data, err := os.OpenFile(d.dataPath(id), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	data.Close()
	now := d.clock()
	if err := os.WriteFile(d.idxPath(id), hdr, 0o600); err != nil {
		return err
	}
	return os.Chtimes(d.idxPath(id), now, now)
}

// writeBlock writes data at off in the data file, then its entry in the
// index file (whose entries start at entries), and closes both: the entry
// never precedes the data (in this process's view; on a power loss the
// data CRC catches it).
func writeBlock(files [2]*os.File, entries, off, index int64, data []byte, crc uint32) error {
	_, err := files[0].WriteAt(data, off)
	if cerr := files[0].Close(); err == nil {
		err = cerr
	}
	if err == nil {
		_, err = files[1].WriteAt(encodeEntry(index, len(data), crc), entries+index*idxEntryLen)
	}
	if cerr := files[1].Close(); err == nil {
		err = cerr
	}
	return err
}
