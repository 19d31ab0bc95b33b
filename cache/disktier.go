package cache

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sys/unix"
)

// touchInterval is how stale an object's index file mtime may get before
// a hit refreshes it. mtime is the access time a restarted cache orders
// its LRU by; refreshing it on every hit would cost a syscall per read.
const touchInterval = time.Minute

type fileID = [sha256.Size]byte

// blockID names one block in the disk index: its object and index.
type blockID struct {
	obj   fileID
	index int64
}

// diskBlock is the index's record of one present block.
type diskBlock struct {
	size     int64  // data length
	crc      uint32 // CRC32C of the data
	verified bool   // the data was checked (or written) in this run
}

// diskObject is one cached object version: its files and present blocks.
// All fields are guarded by diskTier.mu.
type diskObject struct {
	id      fileID
	bucket  string
	key     string
	etag    string
	hdrLen  int64 // index file header length (offset of entry 0)
	blocks  map[int64]*diskBlock
	touched int64 // unix nanos the index file's mtime was last set to
	// pins counts passthrough opens (whole): while it is above zero,
	// evicting one of the object's blocks removes the whole object's
	// files instead of punching a hole in them, and the open descriptors
	// keep the unlinked inode intact.
	pins int
	// pinned counts, per block, the readers of its bytes in the data file
	// (spans being spliced, loads). A pinned block that is evicted leaves
	// the index at once and its hole is punched when the last reader is
	// done (doomed), unless it was stored again meanwhile (storing).
	pinned  map[int64]int
	doomed  map[int64]bool
	storing map[int64]bool
	dead    bool // removed from the tier; its files are unlinked
}

func newDiskObject(id fileID, bucket, key, etag string, hdrLen int64) *diskObject {
	return &diskObject{id: id, bucket: bucket, key: key, etag: etag, hdrLen: hdrLen,
		blocks: map[int64]*diskBlock{}, pinned: map[int64]int{}, doomed: map[int64]bool{}, storing: map[int64]bool{}}
}

// diskTier keeps each object version as a sparse data file and an index
// file under root/xx/ (diskformat.go). Its index (an LRU of blocks with
// sizes, and the objects they belong to) is rebuilt from a directory scan
// at start, ordered by the index files' mtimes, so the cache survives
// restarts.
type diskTier struct {
	root      string
	budget    int64
	blockSize int64
	clock     func() time.Time
	log       *slog.Logger
	ctr       *blockCounters
	lock      *os.File

	mu      sync.Mutex // guards lru, objects, bytes, every diskObject and writeWarn
	lru     *simplelru.LRU[blockID, struct{}]
	objects map[fileID]*diskObject
	bytes   int64 // indexed blocks and index files plus reservations for blocks being written; <= budget
	// writeWarn rate-limits the warnings of failed block writes (a full
	// disk fails every one of them).
	writeWarn struct {
		last       time.Time
		suppressed int
	}
}

// writeWarnEvery is the least time between two warnings of failed disk
// writes; the next one says how many were not logged.
const writeWarnEvery = 10 * time.Second

// warnWriteLocked logs a failed disk write, at most once per
// writeWarnEvery (d.mu held).
func (d *diskTier) warnWriteLocked(msg string, args ...any) {
	now := d.clock()
	if !d.writeWarn.last.IsZero() && now.Sub(d.writeWarn.last) < writeWarnEvery {
		d.writeWarn.suppressed++
		return
	}
	if d.writeWarn.suppressed > 0 {
		args = append(args, "not_logged_since_last", d.writeWarn.suppressed)
	}
	d.writeWarn.last, d.writeWarn.suppressed = now, 0
	d.log.Warn(msg, args...)
}

// oldFormatDir is where format 1 (one file per block) kept its files.
const oldFormatDir = "blocks"

func openDiskTier(cfg *BlockConfig, ctr *blockCounters) (*diskTier, error) {
	if err := os.MkdirAll(cfg.DiskDir, 0o700); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	lock, err := lockDir(cfg.DiskDir)
	if err != nil {
		return nil, err
	}
	lru, _ := simplelru.NewLRU[blockID, struct{}](math.MaxInt, nil)
	d := &diskTier{
		root: filepath.Join(cfg.DiskDir, "objects"), budget: cfg.DiskBytes, blockSize: cfg.BlockSize,
		clock: cfg.Clock, log: cfg.Logger, ctr: ctr, lock: lock, lru: lru, objects: map[fileID]*diskObject{},
	}
	d.discardOldFormat(filepath.Join(cfg.DiskDir, oldFormatDir))
	if err := os.MkdirAll(d.root, 0o700); err != nil {
		unlockDir(lock)
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	if err := d.scan(); err != nil {
		unlockDir(lock)
		return nil, err
	}
	return d, nil
}

// discardOldFormat removes a disk cache left by a version that kept one
// file per block: it is only a cache, and converting it would cost as much
// reading as refetching what is used again.
func (d *diskTier) discardOldFormat(dir string) {
	if _, err := os.Stat(dir); err != nil {
		return
	}
	d.log.Info("cache: discarding the disk cache of an older format (one file per block)", "dir", dir)
	if err := os.RemoveAll(dir); err != nil {
		d.log.Warn("cache: cannot remove the old disk cache", "dir", dir, "err", err)
	}
}

func (d *diskTier) dataPath(id fileID) string {
	name := hex.EncodeToString(id[:])
	return filepath.Join(d.root, name[:2], name)
}

func (d *diskTier) idxPath(id fileID) string { return d.dataPath(id) + idxSuffix }

// overhead is what an object's index file costs against the budget
// beyond its entries.
func (o *diskObject) overhead() int64 { return o.hdrLen }

// blockCost is what a present block costs against the budget: its data
// and its index entry.
func blockCost(size int64) int64 { return size + idxEntryLen }

type scannedObject struct {
	obj   *diskObject
	mtime int64
}

// scan rebuilds the index from the files on disk, least recently used
// object first, removes files that belong to nothing, and evicts down to
// the budget (it may have shrunk since the last run).
func (d *diskTier) scan() error {
	subdirs, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("scan cache dir: %w", err)
	}
	var found []scannedObject
	resized := 0
	for _, sub := range subdirs {
		if !sub.IsDir() {
			continue
		}
		found = append(found, d.scanSubdir(sub.Name(), &resized)...)
	}
	if resized > 0 {
		d.log.Info("cache: discarding disk cache entries of another block size", "objects", resized, "block_size", d.blockSize)
	}
	slices.SortFunc(found, func(a, b scannedObject) int { return cmp.Compare(a.mtime, b.mtime) })
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range found {
		o := f.obj
		d.objects[o.id] = o
		d.bytes += o.overhead()
		idx := slices.Sorted(maps.Keys(o.blocks))
		for _, i := range idx {
			d.lru.Add(blockID{o.id, i}, struct{}{})
			d.bytes += blockCost(o.blocks[i].size)
		}
	}
	d.evictLocked(0)
	return nil
}

// errOtherBlockSize marks an object cached with another block size.
var errOtherBlockSize = errors.New("cached with another block size")

// scanSubdir indexes the objects in root/sub, counting in resized those
// discarded because they were cached with another block size.
func (d *diskTier) scanSubdir(sub string, resized *int) []scannedObject {
	dir := filepath.Join(d.root, sub)
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.log.Warn("cache: cannot scan cache directory", "dir", dir, "err", err)
		return nil
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	var out []scannedObject
	for _, e := range entries {
		name := e.Name()
		base, isIdx := strings.CutSuffix(name, idxSuffix)
		var id fileID
		if len(base) != 2*len(id) || base[:2] != sub { // checked first: Decode panics on a longer name
			d.log.Warn("cache: ignoring unknown file in cache dir", "path", filepath.Join(dir, name))
			continue
		}
		if n, err := hex.Decode(id[:], []byte(base)); err != nil || n != len(id) {
			d.log.Warn("cache: ignoring unknown file in cache dir", "path", filepath.Join(dir, name))
			continue
		}
		if !isIdx {
			if !names[name+idxSuffix] { // a writer died before the index was made
				os.Remove(filepath.Join(dir, name))
			}
			continue
		}
		o, mtime, err := d.loadIndex(id)
		if err != nil {
			if errors.Is(err, errOtherBlockSize) { // --block-size changed: not corruption
				*resized++
			} else {
				d.ctr.checksumFailures.Add(1)
				d.log.Warn("cache: discarding cached object with a bad index", "path", filepath.Join(dir, name), "err", err)
			}
			os.Remove(d.idxPath(id))
			os.Remove(d.dataPath(id))
			continue
		}
		if len(o.blocks) == 0 { // a writer died before its first entry
			os.Remove(d.idxPath(id))
			os.Remove(d.dataPath(id))
			continue
		}
		if err := d.trimAbsent(o); err != nil {
			d.log.Warn("cache: cannot free unindexed cache data; discarding the object", "path", d.dataPath(id), "err", err)
			os.Remove(d.idxPath(id))
			os.Remove(d.dataPath(id))
			continue
		}
		out = append(out, scannedObject{obj: o, mtime: mtime})
	}
	return out
}

// trimAbsent punches out the data of o's absent blocks: a writer that died
// between a block's data and its entry left bytes that the budget does
// not count and that no eviction would ever free. Only allocated ranges
// (SEEK_DATA) are visited, so a sparse object costs a few syscalls.
func (d *diskTier) trimAbsent(o *diskObject) error {
	f, err := os.OpenFile(d.dataPath(o.id), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fd := int(f.Fd())
	for pos := int64(0); ; {
		start, err := unix.Seek(fd, pos, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return nil // no data past pos
		}
		if err != nil {
			return err
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		for i := start / d.blockSize; i*d.blockSize < end; i++ {
			if o.blocks[i] == nil {
				if err := d.punch(o, i); err != nil {
					return err
				}
			}
		}
		pos = end
	}
}

// loadIndex reads object id's index file. Entries that do not verify, or
// that point past the end of the data file, are absent blocks.
func (d *diskTier) loadIndex(id fileID) (*diskObject, int64, error) {
	raw, err := os.ReadFile(d.idxPath(id))
	if err != nil {
		return nil, 0, err
	}
	h, err := decodeIdxHeader(raw)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case objName(h.bucket, h.key, h.etag) != id:
		return nil, 0, fmt.Errorf("%w: index belongs to another object", errCorrupt)
	case h.blockSize != d.blockSize:
		return nil, 0, fmt.Errorf("%w: %d, now %d", errOtherBlockSize, h.blockSize, d.blockSize)
	}
	info, err := os.Stat(d.idxPath(id))
	if err != nil {
		return nil, 0, err
	}
	data, err := os.Stat(d.dataPath(id))
	if err != nil {
		return nil, 0, err
	}
	o := newDiskObject(id, h.bucket, h.key, h.etag, h.entries)
	o.touched = info.ModTime().UnixNano()
	for i := int64(0); h.entries+(i+1)*idxEntryLen <= int64(len(raw)); i++ {
		at := h.entries + i*idxEntryLen
		e := raw[at : at+idxEntryLen]
		n, crc, ok := decodeEntry(e, i)
		switch {
		case ok && n <= d.blockSize && i*d.blockSize+n <= data.Size():
			o.blocks[i] = &diskBlock{size: n, crc: crc}
		case ok || !allZero(e): // torn entry, or data cut short
			d.ctr.checksumFailures.Add(1)
			d.log.Warn("cache: discarding corrupt disk block", "bucket", h.bucket, "key", h.key, "block", i)
		}
	}
	return o, info.ModTime().UnixNano(), nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// evictLocked removes least recently used blocks until extra more bytes
// fit in the budget; it reports whether they do.
func (d *diskTier) evictLocked(extra int64) bool {
	for d.bytes+extra > d.budget {
		bid, _, ok := d.lru.RemoveOldest()
		if !ok {
			return false
		}
		d.ctr.diskEvictions.Add(1)
		o := d.objects[bid.obj]
		if o.pins > 0 {
			d.removeObjectLocked(o)
			continue
		}
		d.punchLocked(o, bid.index)
	}
	return true
}

// punchLocked drops block index of o: its entry is cleared first (so a
// crash in between leaves it absent), then its bytes are deallocated, at
// once or, while readers hold the block, when the last one is done.
// Only for an object no passthrough open pins: a pinned one is removed
// whole.
func (d *diskTier) punchLocked(o *diskObject, index int64) {
	b := o.blocks[index]
	if b == nil {
		return
	}
	delete(o.blocks, index)
	d.bytes -= blockCost(b.size)
	if len(o.blocks) == 0 && len(o.storing) == 0 {
		d.removeObjectLocked(o)
		return
	}
	err := d.clearEntry(o, index)
	if err == nil {
		if o.pinned[index] > 0 {
			o.doomed[index] = true
			return
		}
		err = d.punch(o, index)
	}
	if err != nil {
		d.ctr.diskErrors.Add(1)
		d.log.Warn("cache: cannot drop an evicted block; removing its object", "err", err)
		d.removeObjectLocked(o)
	}
}

// removeObjectLocked forgets o and its blocks and unlinks its files.
// Descriptors open on them keep reading the old inode.
func (d *diskTier) removeObjectLocked(o *diskObject) {
	if o.dead {
		return
	}
	for i, b := range o.blocks {
		d.lru.Remove(blockID{o.id, i})
		d.bytes -= blockCost(b.size)
	}
	o.blocks = nil
	o.dead = true
	d.bytes -= o.overhead()
	delete(d.objects, o.id)
	for _, p := range []string{d.idxPath(o.id), d.dataPath(o.id)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Warn("cache: cannot remove evicted object file", "err", err)
		}
	}
}

func (d *diskTier) contains(k BlockKey) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.lookupLocked(k)
	return ok
}

// verified reports whether k is on disk and was verified in this run.
func (d *diskTier) verified(k BlockKey) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.lookupLocked(k)
	return ok && b.verified
}

func (d *diskTier) lookupLocked(k BlockKey) (*diskBlock, bool) {
	o := d.objects[objName(k.Bucket, k.Key, k.ETag)]
	if o == nil {
		return nil, false
	}
	b, ok := o.blocks[k.Index]
	return b, ok
}

func (d *diskTier) level() (bytes, blocks int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes, int64(d.lru.Len())
}

func (d *diskTier) close() error {
	d.mu.Lock()
	if n := d.writeWarn.suppressed; n > 0 {
		d.log.Warn("cache: more disk block writes failed since the last warning", "not_logged", n)
		d.writeWarn.suppressed = 0
	}
	d.mu.Unlock()
	return unlockDir(d.lock)
}
