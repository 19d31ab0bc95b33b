package cache

import (
	"context"
	"errors"
	"fmt"
)

// RunFetchFunc fetches the consecutive blocks first, first+1, ...,
// first+n-1 of one object version with one request and hands each to put
// as soon as it is complete, in order. Each slice is handed over as with
// FetchFunc (never touched again, at most BlockSize bytes). put returns
// false when the cache wants no more (closed, or the run's time is up):
// the fetch should then stop and return. It returns the first error.
type RunFetchFunc func(ctx context.Context, first int64, n int, put func(data []byte) bool) error

// block is the fetch of block index alone: a run of one.
func (run RunFetchFunc) block(index int64) FetchFunc {
	return func(ctx context.Context) ([]byte, error) {
		var data []byte
		err := run(ctx, index, 1, func(d []byte) bool { data = d; return true })
		if err == nil && data == nil {
			err = fmt.Errorf("fetch of block %d returned nothing", index)
		}
		return data, err
	}
}

// errRunAborted completes the blocks of a run that ended before reaching
// them. It never reaches a caller: a Get waiting on such a block starts
// its own fill of it instead (see Get).
var errRunAborted = errors.New("prefetch run ended before this block")

// PrefetchRun prefetches up to n consecutive blocks starting with k (k.Index,
// k.Index+1, ...) the way a sequential reader wants them: with one request
// for a stretch of missing blocks rather than one per block. Blocks in
// memory or in flight, or on disk and verified in this run, are skipped; a
// block on the disk tier not yet verified is loaded from disk (as Prefetch
// does); the first stretch of blocks that are nowhere is
// fetched by run in one background fill holding one prefetch slot, each
// block served to its waiters (and stored) as soon as it arrives. If the
// run fails or ends early, its remaining blocks are dropped, and a Get
// waiting on one fetches that block alone, so a connection reset in a
// long stream costs a retry, not a read error.
//
// It returns how many blocks from k.Index on are covered (in memory, in
// flight or now being fetched). Fewer than n means that no prefetch slot
// was free, or that only the first stretch was started: the caller tries
// again from there (the next call starts the next stretch).
func (b *Blocks) PrefetchRun(k BlockKey, n int, run RunFetchFunc) int {
	if k.validate() != nil || n <= 0 {
		return 0
	}
	i := 0
	for ; i < n && (b.present(k.at(i)) || b.diskReady(k.at(i))); i++ {
	}
	if i == n {
		return n
	}
	if b.disk != nil && b.disk.contains(k.at(i)) {
		if !b.Prefetch(k.at(i), run.block(k.Index+int64(i))) {
			return i
		}
		return i + 1
	}
	length := 1
	for i+length < n && !b.present(k.at(i+length)) && (b.disk == nil || !b.disk.contains(k.at(i+length))) {
		length++
	}
	select {
	case b.prefetchSlots <- struct{}{}:
	default:
		b.ctr.prefetchDropped.Add(1)
		return i
	}
	first := k.at(i)
	fills := b.registerRun(first, length)
	if len(fills) == 0 {
		<-b.prefetchSlots
		return i
	}
	go b.runFill(first, fills, run)
	return i + len(fills)
}

// at is the key of the block i blocks after k.
func (k BlockKey) at(i int) BlockKey {
	k.Index += int64(i)
	return k
}

// present reports whether k is in memory or in flight.
func (b *Blocks) present(k BlockKey) bool {
	if b.mem.contains(k) {
		return true
	}
	b.mu.Lock()
	_, ok := b.flights[k]
	b.mu.Unlock()
	return ok
}

// registerRun adds fills for up to length blocks from first to flights,
// stopping at the first one a concurrent caller registered meanwhile. It
// returns the fills (none after Close). Their goroutine is counted in
// b.fills.
func (b *Blocks) registerRun(first BlockKey, length int) []*fill {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	var fills []*fill
	for i := range length {
		if _, ok := b.flights[first.at(i)]; ok {
			break
		}
		f := &fill{done: make(chan struct{})}
		b.flights[first.at(i)] = f
		fills = append(fills, f)
	}
	if len(fills) > 0 {
		b.fills.Add(1)
		b.ctr.prefetchStarted.Add(1)
		b.ctr.runs.Add(1)
	}
	return fills
}

// runFill performs one run: fills[i] is block first.Index+i.
func (b *Blocks) runFill(first BlockKey, fills []*fill, run RunFetchFunc) {
	defer b.fills.Done()
	ctx, cancel := context.WithTimeout(b.ctx, b.cfg.FetchTimeout)
	next := 0
	put := func(data []byte) bool {
		if next >= len(fills) || ctx.Err() != nil || int64(len(data)) > b.cfg.BlockSize {
			return false
		}
		b.ctr.fetches.Add(1)
		b.ctr.runBlocks.Add(1)
		b.finishRunBlock(first.at(next), fills[next], data)
		next++
		return true
	}
	err := run(ctx, first.Index, len(fills), put)
	cancel()
	<-b.prefetchSlots
	if next == len(fills) {
		return
	}
	b.ctr.runsAborted.Add(1)
	if err != nil && !errors.Is(err, context.Canceled) {
		b.cfg.Logger.Debug("prefetch run ended early; its other blocks are fetched on demand",
			"bucket", first.Bucket, "key", first.Key, "first", first.Index, "blocks", len(fills), "got", next, "err", err)
	}
	for i := next; i < len(fills); i++ {
		b.abandon(first.at(i), fills[i])
	}
}

// finishRunBlock completes block k of a run: waiters are released at once;
// the disk write, when there is a disk tier, happens on its own goroutine
// so that a slow disk never stalls the stream (the fill stays in flights
// until it is written, as in run).
func (b *Blocks) finishRunBlock(k BlockKey, f *fill, data []byte) {
	bl := &block{data: data}
	f.blk = bl
	drops := b.mem.add(k, bl)
	close(f.done)
	b.letGo(drops)
	if b.disk == nil {
		b.dropFlight(k, f)
		return
	}
	b.fills.Add(1)
	go func() {
		defer b.fills.Done()
		b.writeToDisk(k, bl)
		b.dropFlight(k, f)
	}()
}

// abandon completes block k of a run that ended before it: it leaves
// flights first, so that a Get retrying it starts a fill of its own.
func (b *Blocks) abandon(k BlockKey, f *fill) {
	b.dropFlight(k, f)
	f.err = fmt.Errorf("block %d of %s/%s: %w", k.Index, k.Bucket, k.Key, errRunAborted)
	close(f.done)
}

// dropFlight removes f from flights if it is still k's fill.
func (b *Blocks) dropFlight(k BlockKey, f *fill) {
	b.mu.Lock()
	if b.flights[k] == f {
		delete(b.flights, k)
	}
	b.mu.Unlock()
}
