package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// BlockKey names one block: block Index (offset Index*BlockSize) of the
// object version Bucket/Key with ETag. A new ETag is a new key, so blocks
// of an overwritten object are never served for the new version; they age
// out of both tiers.
type BlockKey struct {
	Bucket, Key, ETag string
	Index             int64
}

func (k BlockKey) validate() error {
	if k.ETag == "" {
		return ErrNoETag
	}
	if k.Index < 0 {
		return fmt.Errorf("%w: negative index %d", ErrBadBlock, k.Index)
	}
	return nil
}

// FetchFunc fetches one block from the store. It must return a slice it
// will never touch again (the cache keeps it, hands it to readers and
// reuses it for another block once evicted: see Buffer) of at most
// BlockSize bytes; only an object's last block may be shorter.
type FetchFunc func(ctx context.Context) ([]byte, error)

// Blocks is the two-tier block cache. It is safe for concurrent use.
type Blocks struct {
	cfg  BlockConfig
	ctr  blockCounters
	mem  *memTier
	disk *diskTier // nil without a disk tier

	// ctx is the parent of every fill; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	// prefetchSlots holds one token per running Prefetch fill, writeSlots
	// one per running disk write; pendingWrites counts writes waiting for
	// or holding a slot.
	prefetchSlots chan struct{}
	writeSlots    chan struct{}
	pendingWrites atomic.Int64
	// streaming holds one token per fill a ReadAt caller left running
	// (stream.go).
	streaming chan struct{}
	// free holds the buffers of recycled blocks for fetches to reuse.
	free *freeList

	mu      sync.Mutex // guards flights, closed; fills.Add happens under it
	flights map[BlockKey]*fill
	closed  bool
	fills   sync.WaitGroup // running fill goroutines
}

// freeBuffers bounds the free list of recycled block buffers: enough to
// cover the fetches of a busy moment (its memory is part of
// BlockConfig.memReserve).
const freeBuffers = 8

// NewBlocks builds a cache from cfg (defaults applied, then validated).
// With a DiskDir it locks the directory (ErrCacheDirBusy if another cache
// holds it) and indexes the blocks a previous run left there.
func NewBlocks(cfg BlockConfig) (*Blocks, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("block cache config: %w", err)
	}
	b := &Blocks{
		cfg:           cfg,
		flights:       make(map[BlockKey]*fill),
		prefetchSlots: make(chan struct{}, cfg.MaxPrefetch),
		writeSlots:    make(chan struct{}, cfg.DiskWriters),
		streaming:     make(chan struct{}, streamSlots),
		free:          newFreeList(int(cfg.BlockSize), freeBuffers),
	}
	b.mem = newMemTier(cfg.MemBytes-cfg.memReserve(), &b.ctr)
	if cfg.DiskDir != "" {
		d, err := openDiskTier(&b.cfg, &b.ctr)
		if err != nil {
			return nil, err
		}
		b.disk = d
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// BlockSize is the configured block size.
func (b *Blocks) BlockSize() int64 { return b.cfg.BlockSize }

// Acquire returns block k held for reading: from memory, else from disk
// (verified), else from fetch. Concurrent callers for one key share one
// fill (one disk read or one fetch). The fill runs detached from ctx,
// bounded by FetchTimeout and cancelled by Close: a caller whose ctx ends
// gets ctx's error at once, while the fill goes on for the other waiters
// and for the cache. A fill error is returned to every waiter and not
// cached.
//
// The View's bytes must not be modified, and stay valid until Release,
// even if the block is evicted meanwhile; the caller must Release it.
func (b *Blocks) Acquire(ctx context.Context, k BlockKey, fetch FetchFunc) (View, error) {
	if err := k.validate(); err != nil {
		return View{}, err
	}
	if bl, ok := b.mem.get(k); ok {
		if v, ok := bl.view(); ok {
			b.ctr.memHits.Add(1)
			return v, nil
		}
	}
	b.ctr.memMisses.Add(1)
	return b.acquireMissed(ctx, k, fetch)
}

// acquireMissed is Acquire once its memory miss is counted.
func (b *Blocks) acquireMissed(ctx context.Context, k BlockKey, fetch FetchFunc) (View, error) {
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		f, err := b.startFill(k, fetch, false)
		if err != nil {
			return View{}, err
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return View{}, ctx.Err()
		}
		switch {
		case errors.Is(f.err, errRunAborted):
			// A prefetch run that ended before this block: fetch it
			// alone (another run may claim it meanwhile, hence the bound).
			continue
		case f.err != nil:
			return View{}, f.err
		}
		if v, ok := f.blk.view(); ok {
			return v, nil
		}
		// Recycled before we could read it (a tiny cache under
		// pressure): look again.
	}
	return b.private(k, fetch)
}

// maxAttempts bounds the fills Acquire waits for before it fetches a
// private copy (see private).
const maxAttempts = 4

// private fetches k for one caller, outside the cache: the way out when
// the cache keeps losing k before the caller can read it.
func (b *Blocks) private(k BlockKey, fetch FetchFunc) (View, error) {
	data, err := b.fetch(k, fetch, nil)
	if err != nil {
		return View{}, err
	}
	bl := &block{data: data}
	bl.mu.RLock()
	return View{bl: bl}, nil
}

// Get is Acquire for callers that keep the bytes: it returns a copy.
func (b *Blocks) Get(ctx context.Context, k BlockKey, fetch FetchFunc) ([]byte, error) {
	v, err := b.Acquire(ctx, k, fetch)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	return append([]byte(nil), v.Bytes()...), nil
}

// Contains reports whether k is in memory or on disk (or was just filled
// and is being written to disk), without fetching or touching recency.
func (b *Blocks) Contains(k BlockKey) bool {
	if b.mem.contains(k) {
		return true
	}
	b.mu.Lock()
	f, ok := b.flights[k]
	b.mu.Unlock()
	if ok && f.isDone() && f.err == nil {
		return true
	}
	return b.disk != nil && b.disk.contains(k)
}

// Prefetch starts a background fill of k into the memory tier, unless it is
// there already, a fill is in flight, or it is on disk and verified in
// this run (AcquireSpan serves it from there without a copy). A block on
// disk not yet verified is loaded and checked, so readahead over a warm
// disk cache verifies blocks ahead of the reader. At most MaxPrefetch prefetch fills run at once; beyond
// that, calls are dropped and counted rather than queued, so readahead
// never piles up.
//
// It reports whether k is now covered: in memory, in flight, or its fill
// started. False means the call was dropped (no slot free, an invalid key,
// or a closed cache), and the caller's next readahead decision should try
// k again.
func (b *Blocks) Prefetch(k BlockKey, fetch FetchFunc) bool {
	if k.validate() != nil {
		return false
	}
	if b.mem.contains(k) || b.diskReady(k) {
		return true
	}
	b.mu.Lock()
	_, inFlight := b.flights[k]
	b.mu.Unlock()
	if inFlight {
		return true
	}
	select {
	case b.prefetchSlots <- struct{}{}:
	default:
		b.ctr.prefetchDropped.Add(1)
		return false
	}
	if _, err := b.startFill(k, fetch, true); err != nil {
		<-b.prefetchSlots
		return errors.Is(err, errAlreadyInFlight)
	}
	return true
}

// Stats returns a snapshot of the counters and levels.
func (b *Blocks) Stats() BlockStats {
	s := b.ctr.snapshot()
	s.MemBytes, s.MemBlocks = b.mem.level()
	if b.disk != nil {
		s.DiskBytes, s.DiskBlocks = b.disk.level()
	}
	return s
}

// Close cancels running fetches, waits for every fill (each is bounded by
// FetchTimeout even if its fetch ignores cancellation) including the disk
// writes already queued (at most DiskWriteQueue blocks), writes the blocks
// the disk tier skipped that are still in memory (at most MemBytes), and
// releases the disk directory. After Close, a Get the memory tier cannot answer returns
// ErrClosed.
func (b *Blocks) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.fills.Wait()
	if b.disk != nil {
		b.saveUnsaved()
		return b.disk.close()
	}
	return nil
}
