package cache

import (
	"context"
	"fmt"
)

// fill is one in-flight load of a block, shared by every Get of its key.
// data and err are written once, before done is closed.
type fill struct {
	done chan struct{}
	data []byte
	err  error
}

func (f *fill) isDone() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// startFill joins the fill in flight for k or starts one. A prefetch fill
// that finds one in flight returns it without starting anything (the
// caller releases its slot).
func (b *Blocks) startFill(k BlockKey, fetch FetchFunc, prefetch bool) (*fill, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if f, ok := b.flights[k]; ok {
		if prefetch {
			return nil, errAlreadyInFlight
		}
		b.ctr.joins.Add(1)
		return f, nil
	}
	f := &fill{done: make(chan struct{})}
	b.flights[k] = f
	b.fills.Add(1)
	if prefetch {
		b.ctr.prefetchStarted.Add(1)
	}
	go b.run(k, f, fetch, prefetch)
	return f, nil
}

var errAlreadyInFlight = fmt.Errorf("fill already in flight")

// run performs one fill: memory (a fill that finished between the caller's
// memory check and its flight lookup), then disk, then fetch. Waiters are
// released as soon as the data is in memory; the disk write happens after,
// while the fill stays in flights so that a Get arriving meanwhile (even
// after the memory tier evicted the block) is served from it. A prefetch
// slot is released with the waiters: the disk tier never slows reads.
func (b *Blocks) run(k BlockKey, f *fill, fetch FetchFunc, prefetch bool) {
	defer b.fills.Done()
	data, fetched, err := b.load(k, fetch)
	f.data, f.err = data, err
	if err == nil {
		b.saveLate(b.mem.add(k, data))
	} else {
		// Out of flights before the waiters wake: a Get that retries
		// after this error must start a new fill, not join this one.
		b.dropFlight(k, f)
	}
	close(f.done)
	if prefetch {
		<-b.prefetchSlots
	}
	if err == nil && fetched && b.disk != nil {
		b.writeToDisk(k, data)
	}
	b.dropFlight(k, f)
}

// writeToDisk stores a fetched block on disk with at most DiskWriters
// writes at once. When DiskWriteQueue blocks already wait for or are in a
// write, the block is skipped (and counted): a disk slower than the network
// then costs no read throughput or memory. A skipped block still in the
// memory tier is marked unsaved there, and written when it is evicted or
// at Close (saveLate).
func (b *Blocks) writeToDisk(k BlockKey, data []byte) {
	if b.pendingWrites.Add(1) > int64(b.cfg.DiskWriteQueue) {
		b.pendingWrites.Add(-1)
		b.ctr.diskWritesSkipped.Add(1)
		b.mem.markUnsaved(k)
		return
	}
	defer b.pendingWrites.Add(-1)
	b.writeSlots <- struct{}{} // not abandoned on Close: Close finishes queued writes
	defer func() { <-b.writeSlots }()
	b.disk.store(k, data)
}

// load finds k's bytes below the caller's memory check; fetched reports
// whether they came from the store (and so belong on disk).
func (b *Blocks) load(k BlockKey, fetch FetchFunc) (data []byte, fetched bool, err error) {
	if data, ok := b.mem.get(k); ok {
		return data, false, nil
	}
	if b.disk != nil {
		if data, ok := b.disk.load(k); ok {
			b.ctr.diskHits.Add(1)
			return data, false, nil
		}
	}
	b.ctr.diskMisses.Add(1)
	data, err = b.fetch(k, fetch)
	return data, err == nil, err
}

func (b *Blocks) fetch(k BlockKey, fetch FetchFunc) ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.cfg.FetchTimeout)
	defer cancel()
	b.ctr.fetches.Add(1)
	data, err := fetch(ctx)
	if err == nil && int64(len(data)) > b.cfg.BlockSize {
		err = fmt.Errorf("%w: fetch returned %d bytes, block size is %d", ErrBadBlock, len(data), b.cfg.BlockSize)
	}
	if err != nil {
		b.ctr.fetchErrors.Add(1)
		return nil, fmt.Errorf("fetch block %d of %s/%s: %w", k.Index, k.Bucket, k.Key, err)
	}
	return data, nil
}

// saveLate writes blocks the disk tier skipped, now that the memory tier
// evicted them, each on its own goroutine under the same queue bound (a
// block skipped again is lost to the disk tier).
func (b *Blocks) saveLate(blocks []keyed) {
	if b.disk == nil {
		return
	}
	for _, kb := range blocks {
		b.fills.Add(1)
		go func() {
			defer b.fills.Done()
			if b.pendingWrites.Add(1) > int64(b.cfg.DiskWriteQueue) {
				b.pendingWrites.Add(-1)
				return
			}
			defer b.pendingWrites.Add(-1)
			b.writeSlots <- struct{}{}
			defer func() { <-b.writeSlots }()
			b.disk.store(kb.k, kb.data)
			b.ctr.diskWritesLate.Add(1)
		}()
	}
}

// saveUnsaved writes, at Close, the skipped blocks still in memory: the
// disk cache then holds everything read that fits, whatever the disk's
// speed was meanwhile.
func (b *Blocks) saveUnsaved() {
	if b.disk == nil {
		return
	}
	for _, kb := range b.mem.takeUnsaved() {
		b.disk.store(kb.k, kb.data)
		b.ctr.diskWritesLate.Add(1)
	}
}
