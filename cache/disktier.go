package cache

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// touchInterval is how stale a block file's mtime may get before a hit
// refreshes it. mtime is the access time a restarted cache orders its LRU
// by; refreshing it on every hit would cost a syscall per block read.
const touchInterval = time.Minute

type fileID = [sha256.Size]byte

// diskEntry is the index's record of one block file.
type diskEntry struct {
	size    int64 // file size, header included
	touched int64 // unix nanos the file's mtime was last set to
}

// diskTier keeps blocks as files under root/xx/<sha256 hex>. Its index
// (LRU of file IDs with sizes) is rebuilt from a directory scan at start,
// ordered by mtime, so the cache survives restarts. Files are written to a
// temp name and renamed, never fsynced: a crash may leave a torn or empty
// file under the final name, and the header and data CRCs turn it into a
// miss (and a delete) on first read.
type diskTier struct {
	root   string
	budget int64
	clock  func() time.Time
	log    *slog.Logger
	ctr    *blockCounters
	lock   *os.File

	mu    sync.Mutex // guards lru and bytes
	lru   *simplelru.LRU[fileID, diskEntry]
	bytes int64 // indexed file sizes plus reservations for files being written; <= budget
}

func openDiskTier(cfg *BlockConfig, ctr *blockCounters) (*diskTier, error) {
	if err := os.MkdirAll(cfg.DiskDir, 0o700); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	lock, err := lockDir(cfg.DiskDir)
	if err != nil {
		return nil, err
	}
	lru, _ := simplelru.NewLRU[fileID, diskEntry](math.MaxInt, nil)
	d := &diskTier{
		root: filepath.Join(cfg.DiskDir, "blocks"), budget: cfg.DiskBytes,
		clock: cfg.Clock, log: cfg.Logger, ctr: ctr, lock: lock, lru: lru,
	}
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

func (d *diskTier) path(id fileID) string {
	name := hex.EncodeToString(id[:])
	return filepath.Join(d.root, name[:2], name)
}

type scannedFile struct {
	id    fileID
	size  int64
	mtime int64
}

// scan rebuilds the index from the files on disk, oldest mtime least
// recently used, removes temp files a crashed writer left, and evicts down
// to the budget (it may have shrunk since the last run).
func (d *diskTier) scan() error {
	subdirs, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("scan cache dir: %w", err)
	}
	var found []scannedFile
	for _, sub := range subdirs {
		if !sub.IsDir() {
			continue
		}
		found = append(found, d.scanSubdir(sub.Name())...)
	}
	slices.SortFunc(found, func(a, b scannedFile) int { return cmp.Compare(a.mtime, b.mtime) })
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range found {
		d.lru.Add(f.id, diskEntry{size: f.size, touched: f.mtime})
		d.bytes += f.size
	}
	d.evictLocked(0)
	return nil
}

func (d *diskTier) scanSubdir(sub string) []scannedFile {
	dir := filepath.Join(d.root, sub)
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.log.Warn("cache: cannot scan block directory", "dir", dir, "err", err)
		return nil
	}
	var out []scannedFile
	for _, e := range entries {
		name := e.Name()
		if strings.Contains(name, ".tmp") {
			os.Remove(filepath.Join(dir, name)) // a writer died before its rename
			continue
		}
		var id fileID
		if n, err := hex.Decode(id[:], []byte(name)); err != nil || n != len(id) || len(name) != 2*len(id) || name[:2] != sub {
			d.log.Warn("cache: ignoring unknown file in cache dir", "path", filepath.Join(dir, name))
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		out = append(out, scannedFile{id: id, size: info.Size(), mtime: info.ModTime().UnixNano()})
	}
	return out
}

// evictLocked removes least recently used files until extra more bytes
// fit in the budget; it reports whether they do.
func (d *diskTier) evictLocked(extra int64) bool {
	for d.bytes+extra > d.budget {
		id, e, ok := d.lru.RemoveOldest()
		if !ok {
			return false
		}
		d.bytes -= e.size
		d.ctr.diskEvictions.Add(1)
		if err := os.Remove(d.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Warn("cache: cannot remove evicted block", "err", err)
		}
	}
	return true
}

func (d *diskTier) contains(k BlockKey) bool {
	id := diskName(k)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lru.Contains(id)
}

func (d *diskTier) level() (bytes, blocks int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes, int64(d.lru.Len())
}

// drop forgets a block and deletes its file.
func (d *diskTier) drop(id fileID) {
	d.mu.Lock()
	if e, ok := d.lru.Peek(id); ok {
		d.lru.Remove(id)
		d.bytes -= e.size
	}
	d.mu.Unlock()
	if err := os.Remove(d.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("cache: cannot remove block", "err", err)
	}
}

func (d *diskTier) close() error { return unlockDir(d.lock) }

// readFull reads exactly len(buf) bytes; a short file is corrupt.
func readFull(r io.Reader, buf []byte) error {
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: file too short", errCorrupt)
		}
		return err
	}
	return nil
}
