package vfs

import (
	"context"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

const mib = 1 << 20

type span struct{ from, to int64 }

func TestReadaheadWindowGrows(t *testing.T) {
	ra := newReadahead(100*mib, mib, 8)
	var got []span
	for off := int64(0); off < 10*mib; off += 128 << 10 {
		if from, to := ra.observe(off, off+128<<10); from < to {
			got = append(got, span{from, to})
		}
	}
	// Block 0 opens a window of 1; entering blocks 1, 2, 3 doubles it to
	// 2, 4, 8 (the maximum). From then on blocks are handed out only when
	// at most half a window (4) is left ahead of the reader: at block 7,
	// blocks 12 to 15 in one batch.
	want := []span{{1, 2}, {2, 4}, {4, 7}, {7, 12}, {12, 16}}
	if !slices.Equal(got, want) {
		t.Fatalf("prefetched %v, want %v", got, want)
	}
}

func TestReadaheadStopsAtTheEnd(t *testing.T) {
	ra := newReadahead(3*mib+10, mib, 64)
	var got []span
	for off := int64(0); off < 3*mib+10; off += mib {
		if from, to := ra.observe(off, min(off+mib, 3*mib+10)); from < to {
			got = append(got, span{from, to})
		}
	}
	if want := []span{{1, 2}, {2, 4}}; !slices.Equal(got, want) {
		t.Fatalf("prefetched %v, want %v (the object has blocks 0 to 3)", got, want)
	}
}

func TestReadaheadRandomReadsPrefetchNothing(t *testing.T) {
	ra := newReadahead(1024*mib, mib, 64)
	rng := rand.New(rand.NewPCG(1, 2))
	ra.observe(500*mib, 500*mib+4096) // not at the start: random
	for range 1000 {
		off := rng.Int64N(1024*mib - 4096)
		if from, to := ra.observe(off, off+4096); from < to {
			t.Fatalf("random read at %d prefetched blocks [%d, %d)", off, from, to)
		}
	}
}

func TestReadaheadSeekClosesTheWindow(t *testing.T) {
	ra := newReadahead(1024*mib, mib, 64)
	for off := int64(0); off < 8*mib; off += mib {
		ra.observe(off, off+mib)
	}
	if from, to := ra.observe(600*mib, 600*mib+mib); from != to {
		t.Fatalf("a far seek prefetched [%d, %d)", from, to)
	}
	// Reading on from there opens a new stream, one block at first.
	if from, to := ra.observe(601*mib, 602*mib); from != 602 || to != 603 {
		t.Fatalf("stream after the seek prefetched [%d, %d), want [602, 603)", from, to)
	}
}

// The kernel's parallel readahead delivers a sequential stream slightly
// out of order; that is still a stream.
func TestReadaheadToleratesReordering(t *testing.T) {
	ra := newReadahead(1024*mib, mib, 16)
	for _, blk := range []int64{0, 1, 3, 2, 5, 4, 6, 8, 7} {
		ra.observe(blk*mib, (blk+1)*mib)
	}
	ra.mu.Lock()
	window := ra.window
	ra.mu.Unlock()
	if window != 16 {
		t.Fatalf("window %d after a reordered stream, want the maximum 16", window)
	}
}

func TestReadaheadDroppedBlockIsHandedOutAgain(t *testing.T) {
	ra := newReadahead(100*mib, mib, 8)
	ra.observe(0, mib)
	from, to := ra.observe(mib, 2*mib) // blocks 2 and 3
	if from != 2 || to != 4 {
		t.Fatalf("got [%d, %d), want [2, 4)", from, to)
	}
	ra.dropped(3)
	if from, to := ra.observe(2*mib-4096, 2*mib); from != 3 || to != 4 {
		t.Fatalf("after dropping block 3: [%d, %d), want [3, 4)", from, to)
	}
}

func TestReadaheadOff(t *testing.T) {
	ra := newReadahead(100*mib, mib, 0)
	for off := int64(0); off < 10*mib; off += mib {
		if from, to := ra.observe(off, off+mib); from != to {
			t.Fatalf("readahead off prefetched [%d, %d)", from, to)
		}
	}
}

// recordingClient records the ranges of the GETs it forwards.
type recordingClient struct {
	remote.Client
	mu     sync.Mutex
	ranges []span // byte offsets [from, to)
}

func (c *recordingClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	c.mu.Lock()
	c.ranges = append(c.ranges, span{req.Offset, req.Offset + req.Length})
	c.mu.Unlock()
	return c.Client.Get(ctx, req)
}

// blocks returns the first block of every GET, sorted.
func (c *recordingClient) blocks() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, len(c.ranges))
	for i, r := range c.ranges {
		out[i] = r.from / testBlock
	}
	slices.Sort(out)
	return out
}

// gets returns the GET ranges, sorted.
func (c *recordingClient) gets() []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.ranges)
	slices.SortFunc(out, func(a, b span) int { return int(a.from - b.from) })
	return out
}

// checkPartition fails t unless the GETs cover [0, size) exactly once.
func checkPartition(t *testing.T, gets []span, size int64) {
	t.Helper()
	pos := int64(0)
	for _, g := range gets {
		if g.from != pos {
			t.Fatalf("GETs %v: a gap or overlap at %d", gets, pos)
		}
		pos = g.to
	}
	if pos != size {
		t.Fatalf("GETs %v end at %d, want %d", gets, pos, size)
	}
}

// Random reads fetch exactly the blocks they touch.
func TestReaderRandomFetchesOnlyTouchedBlocks(t *testing.T) {
	fake, _ := newFake(t)
	put(t, fake, "f", pattern(64*testBlock, 10), nil)
	rec := &recordingClient{Client: fake}
	r := openReader(t, newReaderFS(t, rec, nil), "f")
	want := []int64{3, 9, 17, 18, 40, 41, 63}
	// 17-18 is one read straddling two blocks; 40 and 41 are separate,
	// out-of-order reads.
	reads := []struct{ off, n int64 }{
		{9*testBlock + 100, 4096}, {3 * testBlock, 4096}, {18*testBlock - 2048, 4096},
		{41*testBlock + 8, 4096}, {40*testBlock + 8, 4096}, {64*testBlock - 4096, 4096},
	}
	for _, rd := range reads {
		if _, err := r.ReadAt(context.Background(), make([]byte, rd.n), rd.off); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond) // a stray prefetch would show by now
	if got := rec.blocks(); !slices.Equal(got, want) {
		t.Fatalf("fetched blocks %v, want %v", got, want)
	}
}

// Sequential reads keep GETs in flight ahead of the reader, up to the
// window, in few requests, and fetch each byte once.
func TestReaderSequentialPrefetchesAhead(t *testing.T) {
	fake, _ := newFake(t)
	const blocks = 40
	put(t, fake, "f", pattern(blocks*testBlock, 11), nil)
	rec := &recordingClient{Client: fake}
	// Readahead up to 16 blocks, with enough slots that none is dropped.
	fsys := newReaderFS(t, rec, func(c *Config) { c.ReadCache.MaxPrefetch = 64 })
	r := openReader(t, fsys, "f")
	buf := make([]byte, testBlock)
	for i := range int64(8) {
		if _, err := r.ReadAt(context.Background(), buf, i*testBlock); err != nil {
			t.Fatal(err)
		}
	}
	// Reading blocks 0-7 grew the window to 16 and asked for blocks 1, 2-3,
	// 4-6, 7-11 and 12-20 ahead, one GET each.
	waitFor(t, func() bool { return fsys.blocks.Contains(r.key(20)) })
	want := []span{{0, 1}, {1, 2}, {2, 4}, {4, 7}, {7, 12}, {12, 21}}
	for i := range want {
		want[i] = span{want[i].from * testBlock, want[i].to * testBlock}
	}
	if got := rec.gets(); !slices.Equal(got, want) {
		t.Fatalf("GETs %v, want %v", got, want)
	}
	for i := int64(8); i < blocks; i++ {
		if _, err := r.ReadAt(context.Background(), buf, i*testBlock); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	checkPartition(t, rec.gets(), blocks*testBlock)
}

// Long windows are fetched in runs of at most maxRunBytes.
func TestReaderSplitsWindowIntoRuns(t *testing.T) {
	fake, _ := newFake(t)
	const size = 64 * mib
	put(t, fake, "f", pattern(size, 12), nil)
	rec := &recordingClient{Client: fake}
	fsys := newReaderFS(t, rec, func(c *Config) {
		c.BlockSize = mib
		c.ReadCache = ReadCacheConfig{MemBytes: 256 * mib, ReadaheadMax: 32 * mib, MaxPrefetch: 64}
	})
	r := openReader(t, fsys, "f")
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		if _, err := r.ReadAt(context.Background(), buf, off); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	gets := rec.gets()
	checkPartition(t, gets, size)
	for _, g := range gets {
		if g.to-g.from > maxRunBytes {
			t.Errorf("a GET of %d bytes, more than %d", g.to-g.from, maxRunBytes)
		}
	}
	if len(gets) > 64/4 {
		t.Errorf("%d GETs for 64 blocks read sequentially: runs are too short", len(gets))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
