package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clearEntryOnDisk zeroes k's index entry, as a crash between a block's
// data write and its entry write leaves it.
func clearEntryOnDisk(t *testing.T, dir string, k BlockKey) {
	t.Helper()
	_, idx := objPaths(dir, k)
	fh, err := os.OpenFile(idx, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteAt(make([]byte, idxEntryLen), entryAt(k)); err != nil {
		t.Fatal(err)
	}
}

// A crash after a block's data was written but before its entry was
// leaves data the index does not count. The restart must free it (or the
// disk holds more than the budget says, for ever: nothing evicts a slot
// the index does not know), and must not keep an object with no block at
// all, which no eviction would ever reach.
func TestRestartFreesDataOfBlocksWithoutEntry(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return spanBS })
	b0 := newTestBlocks(t, spanCfg(dir))
	fetchAll(t, b0, f, "two", 2)
	fetchAll(t, b0, f, "one", 1)
	b0.Close()
	clearEntryOnDisk(t, dir, key("two", "e1", 1))
	clearEntryOnDisk(t, dir, key("one", "e1", 0))

	b := newTestBlocks(t, spanCfg(dir))
	if !b.Contains(key("two", "e1", 0)) {
		t.Fatal("the block with its entry was lost")
	}
	if got := duObjects(t, dir); got != spanBS {
		t.Fatalf("after restart data files hold %d bytes, want %d (the one indexed block)", got, spanBS)
	}
	data, idx := objPaths(dir, key("one", "e1", 0))
	for _, p := range []string{data, idx} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("object with no block left kept: %s (%v)", p, err)
		}
	}
	hdr := entriesOff(len("bkt") + len("two") + len("e1"))
	if s := b.Stats(); s.DiskBytes != hdr+blockCost(spanBS) {
		t.Fatalf("disk bytes %d, want %d", s.DiskBytes, hdr+blockCost(spanBS))
	}
}

// A stranger in the cache directory whose name is hex but longer than an
// object name (a copy, a hand-made backup) is ignored like any other
// unknown file: it must not crash the start.
func TestStartupIgnoresLongHexNames(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "objects", "ab")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(sub, "ab"+strings.Repeat("0", 70))
	longIdx := filepath.Join(sub, "ab"+strings.Repeat("1", 64)+idxSuffix)
	for _, p := range []string{long, longIdx} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := newTestBlocks(t, diskCfg(dir))
	for _, p := range []string{long, longIdx} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("unknown file %s was removed: %v", p, err)
		}
	}
	if s := b.Stats(); s.DiskBlocks != 0 {
		t.Fatalf("indexed %d blocks from junk", s.DiskBlocks)
	}
}

// A remount with another --block-size discards the old cache (its blocks
// do not line up), but that is no corruption: no checksum failure is
// counted (a metric users alert on), and the files go.
func TestBlockSizeChangeIsNoChecksumFailure(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return 1000 })
	fillAndClose(t, newTestBlocks(t, diskCfg(dir)), f, 3)
	cfg := diskCfg(dir)
	cfg.BlockSize = 2000
	b := newTestBlocks(t, cfg)
	if s := b.Stats(); s.ChecksumFailures != 0 || s.DiskBlocks != 0 {
		t.Fatalf("after a block size change: %+v, want no checksum failure and no block", s)
	}
	data, idx := objPaths(dir, key("obj", "e1", 0))
	for _, p := range []string{data, idx} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("file of the old block size kept: %s (%v)", p, err)
		}
	}
}
