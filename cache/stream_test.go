package cache

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"
)

// gatedBody hands out first, then waits for gate before the rest.
type gatedBody struct {
	first, rest []byte
	gate        chan struct{}
}

func (g *gatedBody) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	<-g.gate
	if len(g.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.rest)
	g.rest = g.rest[n:]
	return n, nil
}

// gatedFetch is a fetch of data through FillBody that hands out its first
// n bytes at once and the rest once gate is closed.
func gatedFetch(b *Blocks, data []byte, n int) (FetchFunc, chan struct{}) {
	gate := make(chan struct{})
	return func(ctx context.Context) ([]byte, error) {
		buf := b.Buffer(len(data))
		return buf, FillBody(ctx, &gatedBody{first: data[:n], rest: data[n:], gate: gate}, buf)
	}, gate
}

// A read of the start of a block being fetched returns once those bytes
// have arrived, before the fetch ends; a read of its end waits for them.
// Both get the block's bytes, and the block is cached whole after.
func TestReadAtStreamsFetchedBytes(t *testing.T) {
	const size = 64 << 10
	b := newTestBlocks(t, BlockConfig{BlockSize: size, MemBytes: 16 * size})
	k := key("f", "e1", 0)
	data := blockBytes(k, size)
	fetch, gate := gatedFetch(b, data, size/4)
	head := make([]byte, 100)
	done := make(chan error, 1)
	go func() {
		n, err := b.ReadAt(context.Background(), k, fetch, head, 10)
		if err == nil && n != len(head) {
			err = io.ErrShortBuffer
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil || !bytes.Equal(head, data[10:110]) {
			t.Fatalf("streamed read: %v, right bytes %v", err, bytes.Equal(head, data[10:110]))
		}
	case <-time.After(5 * time.Second):
		close(gate)
		t.Fatal("a read of bytes that had arrived waited for the rest of the block")
	}
	tail := make([]byte, 200)
	tailDone := make(chan error, 1)
	go func() {
		_, err := b.ReadAt(context.Background(), k, mustNotFetch(t, k), tail, size-200)
		tailDone <- err
	}()
	select {
	case err := <-tailDone:
		t.Fatalf("a read of bytes not yet fetched returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if err := <-tailDone; err != nil || !bytes.Equal(tail, data[size-200:]) {
		t.Fatalf("tail read: %v, right bytes %v", err, bytes.Equal(tail, data[size-200:]))
	}
	if got := mustGet(t, b, k, mustNotFetch(t, k)); !bytes.Equal(got, data) {
		t.Fatal("the cached block differs")
	}
}

// Streamed reads under a memory tier so small that blocks are dropped
// and their buffers reused at once never see another block's bytes (run
// with -race).
func TestReadAtStreamingUnderRecycling(t *testing.T) {
	const size = 16 << 10
	b := newTestBlocks(t, BlockConfig{BlockSize: size, MemBytes: 2 * size, MaxPrefetch: 1})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := key("f", "e", int64((i*7+g)%50))
				want := blockBytes(k, size)
				fetch := func(ctx context.Context) ([]byte, error) {
					buf := b.Buffer(size)
					return buf, FillBody(ctx, iotestHalfReader(want), buf)
				}
				off := int64((i * 977) % (size - 64))
				got := make([]byte, 64)
				if n, err := b.ReadAt(context.Background(), k, fetch, got, off); err != nil || n != 64 || !bytes.Equal(got, want[off:off+64]) {
					t.Errorf("block %d at %d: %d, %v, right bytes %v", k.Index, off, n, err, bytes.Equal(got, want[off:off+64]))
					return
				}
			}
		})
	}
	wg.Wait()
}

// iotestHalfReader returns data in reads of at most 1,000 bytes.
func iotestHalfReader(data []byte) io.Reader { return &smallReads{data: data} }

type smallReads struct{ data []byte }

func (s *smallReads) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1000)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// A read whose bytes come in between its look at the progress and its
// wait for the next news is not left waiting for news that never comes
// (here: none until the gate opens). The window is narrow, so the read is
// repeated; without the second look, a few percent of them hung.
func TestReadAtSeesBytesThatArriveWhileItLooks(t *testing.T) {
	const size = 64 << 10
	for i := range 300 {
		b := newTestBlocks(t, BlockConfig{BlockSize: size, MemBytes: 16 * size})
		k := key("f", "e1", 0)
		data := blockBytes(k, size)
		fetch, gate := gatedFetch(b, data, 1000)
		done := make(chan error, 1)
		got := make([]byte, 100)
		go func() {
			_, err := b.ReadAt(context.Background(), k, fetch, got, 500)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil || !bytes.Equal(got, data[500:600]) {
				t.Fatalf("read %d: %v, right bytes %v", i, err, bytes.Equal(got, data[500:600]))
			}
		case <-time.After(5 * time.Second):
			close(gate)
			t.Fatalf("read %d: its bytes had arrived, and it waited for the rest of the block", i)
		}
		close(gate)
	}
}

// A streamed read that joined a prefetch run which then ended before its
// block counts one memory miss, as Acquire does, not one more for the
// fill it starts after.
func TestReadAtCountsOneMissAfterAnAbortedRun(t *testing.T) {
	const size = 1000
	b := newTestBlocks(t, BlockConfig{BlockSize: size, MemBytes: 100 * size})
	k0 := key("f", "e1", 0)
	k1 := key("f", "e1", 1)
	release := make(chan struct{})
	run := func(ctx context.Context, first int64, n int, put func([]byte) bool) error {
		<-release
		return io.ErrUnexpectedEOF // cut off before the first block
	}
	if got := b.PrefetchRun(k0, 2, run); got != 2 {
		t.Fatalf("run covered %d blocks, want 2", got)
	}
	f := newFetcher(func(BlockKey) int { return size })
	misses := b.Stats().MemMisses
	done := make(chan error, 1)
	go func() {
		_, err := b.ReadAt(context.Background(), k1, f.For(k1), make([]byte, 10), 0)
		done <- err
	}()
	waitFor(t, func() bool { return b.Stats().Joins > 0 })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := b.Stats().MemMisses - misses; n != 1 {
		t.Errorf("one read counted %d memory misses, want 1", n)
	}
}
