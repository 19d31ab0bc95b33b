package fs

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
	// 2, 4, 8 (the maximum); each later block hands out one more.
	want := []span{{1, 2}, {2, 4}, {4, 7}, {7, 12}, {12, 13}, {13, 14}, {14, 15}, {15, 16}, {16, 17}, {17, 18}}
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

// recordingClient records the offsets of the GETs it forwards.
type recordingClient struct {
	remote.Client
	mu   sync.Mutex
	offs []int64
}

func (c *recordingClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	c.mu.Lock()
	c.offs = append(c.offs, req.Offset)
	c.mu.Unlock()
	return c.Client.Get(ctx, req)
}

func (c *recordingClient) blocks() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, len(c.offs))
	for i, off := range c.offs {
		out[i] = off / testBlock
	}
	slices.Sort(out)
	return out
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
// window, and fetch each block once.
func TestReaderSequentialPrefetchesAhead(t *testing.T) {
	fake, counting := newFake(t)
	const blocks = 40
	put(t, fake, "f", pattern(blocks*testBlock, 11), nil)
	// Readahead up to 16 blocks, with enough slots that none is dropped.
	fsys := newReaderFS(t, counting, func(c *Config) { c.ReadCache.MaxPrefetch = 64 })
	r := openReader(t, fsys, "f")
	buf := make([]byte, testBlock)
	for i := range int64(8) {
		if _, err := r.ReadAt(context.Background(), buf, i*testBlock); err != nil {
			t.Fatal(err)
		}
	}
	// After reading blocks 0-7 the window is at its maximum, 16 blocks
	// past block 7: blocks 0 to 23 are fetched or in flight.
	waitGets(t, counting, 24)
	for i := int64(8); i < blocks; i++ {
		if _, err := r.ReadAt(context.Background(), buf, i*testBlock); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	if gets := counting.Count(remote.OpGet); gets != blocks {
		t.Fatalf("%d GETs for %d blocks", gets, blocks)
	}
}
