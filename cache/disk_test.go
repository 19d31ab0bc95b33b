package cache

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func diskCfg(dir string) BlockConfig {
	return BlockConfig{BlockSize: 1000, MemBytes: 100_000, DiskDir: dir, DiskBytes: 1 << 20}
}

// fill fetches blocks 0..n-1 of obj and closes b so every disk write is done.
func fillAndClose(t *testing.T, b *Blocks, f *fetcher, n int) {
	t.Helper()
	for i := range n {
		k := key("obj", "e1", int64(i))
		mustGet(t, b, k, f.For(k))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartedCacheServesDiskBlocksWithoutFetching(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(k BlockKey) int { return 1000 - int(k.Index) })
	fillAndClose(t, newTestBlocks(t, diskCfg(dir)), f, 5)

	b := newTestBlocks(t, diskCfg(dir))
	if s := b.Stats(); s.DiskBlocks != 5 {
		t.Fatalf("restarted cache indexed %d blocks, want 5", s.DiskBlocks)
	}
	for i := range 5 {
		k := key("obj", "e1", int64(i))
		if !b.Contains(k) {
			t.Fatalf("Contains(%d) false after restart", i)
		}
		if got := mustGet(t, b, k, mustNotFetch(t, k)); !bytes.Equal(got, blockBytes(k, 1000-i)) {
			t.Fatalf("block %d: wrong bytes after restart", i)
		}
	}
	if s := b.Stats(); s.DiskHits != 5 || s.DiskMisses != 0 || s.Fetches != 0 {
		t.Fatalf("stats %+v", s)
	}
	k := key("obj", "e1", 5) // never cached
	mustGet(t, b, k, f.For(k))
	if s := b.Stats(); s.DiskMisses != 1 || s.Fetches != 1 {
		t.Fatalf("a block on no tier: stats %+v, want one disk miss and one fetch", s)
	}
}

func TestRestartedCacheNeverServesOldETag(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return 1000 })
	fillAndClose(t, newTestBlocks(t, diskCfg(dir)), f, 1)
	b := newTestBlocks(t, diskCfg(dir))
	k := key("obj", "e2", 0)
	if got := mustGet(t, b, k, f.For(k)); !bytes.Equal(got, blockBytes(k, 1000)) || f.Calls(k) != 1 {
		t.Fatal("new ETag not fetched")
	}
}

// objPaths are where k's object keeps its data and its index.
func objPaths(dir string, k BlockKey) (data, idx string) {
	d := &diskTier{root: filepath.Join(dir, "objects")}
	id := objName(k.Bucket, k.Key, k.ETag)
	return d.dataPath(id), d.idxPath(id)
}

// entryAt is the offset of block k's entry in its index file.
func entryAt(k BlockKey) int64 {
	return entriesOff(len(k.Bucket)+len(k.Key)+len(k.ETag)) + k.Index*idxEntryLen
}

func TestDamagedDiskBlocksAreMissesAndRefetched(t *testing.T) {
	damage := map[string]func(t *testing.T, dir string, k BlockKey){
		"data bit flip": func(t *testing.T, dir string, k BlockKey) {
			data, _ := objPaths(dir, k)
			flipByte(t, data, k.Index*1000+500)
		},
		"torn data (entry written, data lost)": func(t *testing.T, dir string, k BlockKey) {
			data, _ := objPaths(dir, k)
			f, err := os.OpenFile(data, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 1000), k.Index*1000); err != nil {
				t.Fatal(err)
			}
		},
		"entry bit flip": func(t *testing.T, dir string, k BlockKey) {
			_, idx := objPaths(dir, k)
			flipByte(t, idx, entryAt(k)+5)
		},
		"index header bit flip": func(t *testing.T, dir string, k BlockKey) {
			_, idx := objPaths(dir, k)
			flipByte(t, idx, 20)
		},
		"truncated data": func(t *testing.T, dir string, k BlockKey) {
			data, _ := objPaths(dir, k)
			if err := os.Truncate(data, 300); err != nil {
				t.Fatal(err)
			}
		},
		"torn index header": func(t *testing.T, dir string, k BlockKey) {
			_, idx := objPaths(dir, k)
			if err := os.Truncate(idx, 10); err != nil {
				t.Fatal(err)
			}
		},
		"other object's index": func(t *testing.T, dir string, k BlockKey) {
			_, other := objPaths(dir, key("obj2", "e1", 0))
			_, idx := objPaths(dir, k)
			raw, err := os.ReadFile(other)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(idx, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, harm := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			f := newFetcher(func(BlockKey) int { return 1000 })
			b0 := newTestBlocks(t, diskCfg(dir))
			mustGet(t, b0, key("obj2", "e1", 0), f.For(key("obj2", "e1", 0)))
			fillAndClose(t, b0, f, 2)
			k := key("obj", "e1", 0)
			harm(t, dir, k)

			b := newTestBlocks(t, diskCfg(dir))
			if got := mustGet(t, b, k, f.For(k)); !bytes.Equal(got, blockBytes(k, 1000)) {
				t.Fatal("damaged block served")
			}
			if f.Calls(k) != 2 {
				t.Fatalf("fetches = %d, want a refetch", f.Calls(k))
			}
			if s := b.Stats(); s.ChecksumFailures == 0 {
				t.Fatal("no checksum failure counted")
			}
			b.Close()
			// The refetched block replaced the damaged one.
			b2 := newTestBlocks(t, diskCfg(dir))
			mustGet(t, b2, k, mustNotFetch(t, k))
		})
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0x40
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDiskBudgetIsRespected(t *testing.T) {
	dir := t.TempDir()
	k0 := key("obj", "e1", 0)
	const bs = 4096 // a file system block: evicted blocks free their space
	hdr := entriesOff(len(k0.Bucket) + len(k0.Key) + len(k0.ETag))
	cfg := BlockConfig{BlockSize: bs, MemBytes: 2 * bs, DiskDir: dir}
	cfg.DiskBytes = hdr + 5*blockCost(bs) + bs/2
	b := newTestBlocks(t, cfg)
	f := newFetcher(func(BlockKey) int { return bs })
	for i := range 20 {
		k := key("obj", "e1", int64(i))
		mustGet(t, b, k, f.For(k))
		waitFor(t, func() bool { return !b.inFlight(k) })
		if s := b.Stats(); s.DiskBytes > cfg.DiskBytes {
			t.Fatalf("disk bytes %d over budget %d", s.DiskBytes, cfg.DiskBytes)
		}
		if onDisk := duObjects(t, dir); onDisk > cfg.DiskBytes {
			t.Fatalf("files on disk %d over budget %d", onDisk, cfg.DiskBytes)
		}
	}
	s := b.Stats()
	if s.DiskBlocks != 5 || s.DiskEvictions != 15 || s.DiskBytes != hdr+5*blockCost(bs) {
		t.Fatalf("stats %+v", s)
	}
	// The five most recent blocks are the ones kept.
	for i := 15; i < 20; i++ {
		if !b.disk.contains(key("obj", "e1", int64(i))) {
			t.Fatalf("recent block %d evicted", i)
		}
	}
}

// duObjects sums the space allocated to data files (evicted blocks are
// holes). Index files are left out: the budget counts their headers and
// present entries, not the 16 bytes of each cleared one.
func duObjects(t *testing.T, dir string) int64 {
	var total int64
	err := filepath.WalkDir(filepath.Join(dir, "objects"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if filepath.Ext(path) != idxSuffix {
			total += info.Sys().(*syscall.Stat_t).Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

func TestRestartEvictsByLastAccess(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return 1000 })
	b0 := newTestBlocks(t, diskCfg(dir))
	keys := []BlockKey{key("a", "e1", 0), key("b", "e1", 0), key("c", "e1", 0)}
	for _, k := range keys {
		mustGet(t, b0, k, f.For(k))
	}
	b0.Close()
	// Object b was used longest ago, then c, then a.
	base := time.Now().Add(-time.Hour)
	for i, age := range []time.Duration{3, 1, 2} {
		when := base.Add(age * time.Minute)
		_, idx := objPaths(dir, keys[i])
		if err := os.Chtimes(idx, when, when); err != nil {
			t.Fatal(err)
		}
	}
	cfg := diskCfg(dir)
	cfg.DiskBytes = 3 * (entriesOff(len("a")+len("e1")) + blockCost(1000))
	b := newTestBlocks(t, cfg)
	k3 := key("d", "e1", 0)
	mustGet(t, b, k3, f.For(k3))
	b.Close()
	if b.disk.contains(keys[1]) || !b.disk.contains(keys[0]) || !b.disk.contains(keys[2]) {
		t.Fatal("restart did not evict the least recently accessed object")
	}
}

func TestDiskHitRefreshesAccessTime(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	cfg := diskCfg(dir)
	cfg.Clock = clock.Now
	f := newFetcher(func(BlockKey) int { return 1000 })
	fillAndClose(t, newTestBlocks(t, cfg), f, 1)
	clock.Advance(2 * touchInterval)
	b := newTestBlocks(t, cfg)
	k := key("obj", "e1", 0)
	mustGet(t, b, k, mustNotFetch(t, k))
	_, idx := objPaths(dir, k)
	info, err := os.Stat(idx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(clock.Now()) {
		t.Fatalf("mtime %v, want the access time %v", info.ModTime(), clock.Now())
	}
}

func TestSecondCacheOnSameDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	b := newTestBlocks(t, diskCfg(dir))
	_, err := NewBlocks(diskCfg(dir))
	if !errors.Is(err, ErrCacheDirBusy) {
		t.Fatalf("second cache on one dir: %v, want ErrCacheDirBusy", err)
	}
	b.Close()
	b2, err := NewBlocks(diskCfg(dir))
	if err != nil {
		t.Fatalf("after Close the dir must be free: %v", err)
	}
	b2.Close()
}

func TestStartupRemovesOrphansAndOldFormatAndIgnoresStrangers(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "objects", "ab")
	old := filepath.Join(dir, oldFormatDir, "cd")
	for _, d := range []string{sub, old} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	orphan := filepath.Join(sub, "ab"+strings.Repeat("0", 62)) // data without an index
	stranger := filepath.Join(sub, "notes.txt")
	oldBlock := filepath.Join(old, "cd"+strings.Repeat("1", 62))
	for _, p := range []string{orphan, stranger, oldBlock} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := newTestBlocks(t, diskCfg(dir))
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("data file of a dead writer not removed")
	}
	if _, err := os.Stat(filepath.Join(dir, oldFormatDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("old-format cache not discarded")
	}
	if _, err := os.Stat(stranger); err != nil {
		t.Fatal("unknown file was removed")
	}
	if s := b.Stats(); s.DiskBlocks != 0 {
		t.Fatalf("indexed %d blocks from junk", s.DiskBlocks)
	}
}

func TestDiskWriteSkippedWhenQueueFull(t *testing.T) {
	cfg := diskCfg(t.TempDir())
	cfg.DiskWriteQueue = 2
	b := newTestBlocks(t, cfg)
	b.pendingWrites.Add(2) // as if two writes were queued behind a slow disk
	f := newFetcher(func(BlockKey) int { return 1000 })
	k := key("obj", "e1", 0)
	mustGet(t, b, k, f.For(k))
	waitFor(t, func() bool { return !b.inFlight(k) })
	if s := b.Stats(); s.DiskWritesSkipped != 1 || s.DiskBlocks != 0 {
		t.Fatalf("stats %+v, want one skipped write", s)
	}
	b.pendingWrites.Add(-2)
	k2 := key("obj", "e1", 1)
	mustGet(t, b, k2, f.For(k2))
	waitFor(t, func() bool { return !b.inFlight(k2) })
	if !b.disk.contains(k2) {
		t.Fatal("write not done once the queue drained")
	}
}

// TestTwoTiersUnderConcurrentReaders hammers both tiers with small budgets
// and checks every byte served and both budgets.
func TestTwoTiersUnderConcurrentReaders(t *testing.T) {
	dir := t.TempDir()
	k0 := key("obj", "e", 0)
	const bs = 4096
	cfg := BlockConfig{BlockSize: bs, MemBytes: 4 * bs, DiskDir: dir,
		DiskBytes: entriesOff(len(k0.Bucket)+len(k0.Key)+len(k0.ETag)) + 12*blockCost(bs), DiskWriteQueue: 1000}
	b := newTestBlocks(t, cfg)
	length := func(k BlockKey) int { return bs - int(k.Index%3) }
	f := newFetcher(length)
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 150 {
				k := key("obj", "e", rng.Int64N(24))
				data, err := b.Get(context.Background(), k, f.For(k))
				if err != nil || !bytes.Equal(data, blockBytes(k, length(k))) {
					wrong.Add(1)
				}
				if s := b.Stats(); s.MemBytes > cfg.MemBytes || s.DiskBytes > cfg.DiskBytes {
					wrong.Add(1000)
				}
			}
		}()
	}
	wg.Wait()
	b.Close()
	if wrong.Load() != 0 {
		t.Fatalf("wrong reads or budget violations: %d", wrong.Load())
	}
	if s := b.Stats(); s.DiskHits == 0 || s.DiskEvictions == 0 || s.ChecksumFailures != 0 {
		t.Fatalf("expected disk hits and evictions, no corruption: %+v", s)
	}
	if du := duObjects(t, dir); du > cfg.DiskBytes {
		t.Fatalf("%d bytes of block files over the %d budget", du, cfg.DiskBytes)
	}
}

// Blocks the disk tier skipped (its queue was full) reach the disk when
// the memory tier evicts them, or at Close: a remount finds them all.
func TestSkippedDiskWritesAreSavedLate(t *testing.T) {
	dir := t.TempDir()
	cfg := BlockConfig{BlockSize: 64, MemBytes: 4 * 64, DiskDir: dir, DiskBytes: 1 << 20}
	b := newTestBlocks(t, cfg)
	f := newFetcher(func(BlockKey) int { return 64 })
	waitIdle := func() {
		waitFor(t, func() bool { return b.pendingWrites.Load() == 0 || b.pendingWrites.Load() == 1000 })
	}
	b.pendingWrites.Store(1000) // the queue is "full": every write is skipped
	for i := range int64(4) {
		mustGet(t, b, key("obj", "e", i), f.For(key("obj", "e", i)))
	}
	waitFor(t, func() bool { return b.Stats().DiskWritesSkipped == 4 })
	b.pendingWrites.Store(0)
	// Blocks 4 and 5 are written as usual and evict 0 and 1, which are
	// then written late; 2 and 3, still in memory, are written once the
	// queue is empty again, without waiting for Close.
	for i := int64(4); i < 6; i++ {
		mustGet(t, b, key("obj", "e", i), f.For(key("obj", "e", i)))
	}
	waitIdle()
	waitFor(t, func() bool { return b.Stats().DiskBlocks == 6 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if s := b.Stats(); s.DiskWritesLate != 4 || s.DiskBlocks != 6 {
		t.Fatalf("late writes %d, blocks on disk %d; want 4 and 6", s.DiskWritesLate, s.DiskBlocks)
	}
	b2 := newTestBlocks(t, cfg)
	for i := range int64(6) {
		k := key("obj", "e", i)
		if got := mustGet(t, b2, k, mustNotFetch(t, k)); !bytes.Equal(got, blockBytes(k, 64)) {
			t.Fatalf("block %d: wrong bytes after reopening", i)
		}
	}
}
