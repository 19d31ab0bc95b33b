package cache

import (
	"context"
	"fmt"
)

// fill is one in-flight load of a block, shared by every Get of its key.
// blk and err are written once, before done is closed.
type fill struct {
	done chan struct{}
	blk  *block
	err  error
	// progress is what the fetch has filled so far (stream.go), for
	// fills started by Acquire and ReadAt; nil for the others.
	progress *progress
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
	if !prefetch {
		f.progress = &progress{}
	}
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
// released as soon as the block is in memory; the disk write happens
// after, while the fill stays in flights so that a Get arriving meanwhile
// is served from it. A prefetch slot is released with the waiters: the
// disk tier never slows reads.
func (b *Blocks) run(k BlockKey, f *fill, fetch FetchFunc, prefetch bool) {
	defer b.fills.Done()
	bl, src, err := b.load(k, fetch, f.progress)
	f.progress.seal() // before the buffer can be published, and recycled
	f.blk, f.err = bl, err
	var drops []dropped
	switch {
	case err != nil:
		// Out of flights before the waiters wake: a Get that retries
		// after this error must start a new fill, not join this one.
		b.dropFlight(k, f)
	case src != fromMemory:
		drops = b.mem.add(k, bl)
	}
	close(f.done)
	b.letGo(drops)
	if prefetch {
		<-b.prefetchSlots
	}
	if err == nil && src == fromStore && b.disk != nil {
		b.writeToDisk(k, bl)
	}
	b.dropFlight(k, f)
}

// writeToDisk stores a fetched block on disk with at most DiskWriters
// writes at once. When DiskWriteQueue blocks already wait for or are in a
// write, the block is skipped (and counted): a disk slower than the network
// then costs no read throughput or memory. A skipped block still in the
// memory tier is marked unsaved there, and written as soon as the disk
// keeps up again (the writer that finds the queue empty after its own
// write takes the unsaved blocks, drainUnsaved), or when it is evicted, or
// at Close (letGo, saveUnsaved): an object read whole reaches the disk
// whole while it is still in memory, and can then be served by
// passthrough.
func (b *Blocks) writeToDisk(k BlockKey, bl *block) {
	if b.pendingWrites.Add(1) > int64(b.cfg.DiskWriteQueue) {
		b.pendingWrites.Add(-1)
		b.ctr.diskWritesSkipped.Add(1)
		b.mem.markUnsaved(k)
		return
	}
	defer b.pendingWrites.Add(-1)
	b.writeSlots <- struct{}{} // not abandoned on Close: Close finishes queued writes
	defer func() { <-b.writeSlots }()
	b.store(k, bl)
	b.drainUnsaved()
}

// drainUnsaved writes unsaved blocks of the memory tier while this writer
// is the only one queued (b.pendingWrites counts it): skipped writes are
// caught up when the disk is idle, never ahead of new ones.
func (b *Blocks) drainUnsaved() {
	for b.pendingWrites.Load() <= 1 {
		d, ok := b.mem.takeOneUnsaved()
		if !ok {
			return
		}
		if b.store(d.k, d.bl) {
			b.ctr.diskWritesLate.Add(1)
		}
	}
}

// store writes bl to disk unless it was recycled meanwhile.
func (b *Blocks) store(k BlockKey, bl *block) bool {
	v, ok := bl.view()
	if !ok {
		return false
	}
	defer v.Release()
	b.disk.store(k, v.Bytes())
	return true
}

// Where load found a block.
type source int

const (
	fromMemory source = iota
	fromDisk
	fromStore
)

// load finds k's block below the caller's memory check.
func (b *Blocks) load(k BlockKey, fetch FetchFunc, p *progress) (*block, source, error) {
	if bl, ok := b.mem.get(k); ok {
		return bl, fromMemory, nil
	}
	if b.disk != nil {
		if data, ok := b.disk.load(k); ok {
			b.ctr.diskHits.Add(1)
			return &block{data: data}, fromDisk, nil
		}
		b.ctr.diskMisses.Add(1)
	}
	data, err := b.fetch(k, fetch, p)
	if err != nil {
		return nil, fromStore, err
	}
	return &block{data: data}, fromStore, nil
}

func (b *Blocks) fetch(k BlockKey, fetch FetchFunc, p *progress) ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.cfg.FetchTimeout)
	defer cancel()
	ctx = withProgress(ctx, p)
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

// letGo handles blocks the memory tier dropped: each is recycled, after a
// late disk write if the disk tier had skipped it (on its own goroutine,
// under the same queue bound: a block skipped again is lost to the disk
// tier).
func (b *Blocks) letGo(drops []dropped) {
	for _, d := range drops {
		if !d.unsaved || b.disk == nil {
			b.recycle(d.bl)
			continue
		}
		b.fills.Add(1)
		go func() {
			defer b.fills.Done()
			defer b.recycle(d.bl)
			if b.pendingWrites.Add(1) > int64(b.cfg.DiskWriteQueue) {
				b.pendingWrites.Add(-1)
				return
			}
			defer b.pendingWrites.Add(-1)
			b.writeSlots <- struct{}{}
			defer func() { <-b.writeSlots }()
			if b.store(d.k, d.bl) {
				b.ctr.diskWritesLate.Add(1)
			}
			b.drainUnsaved()
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
	for _, d := range b.mem.takeUnsaved() {
		if b.store(d.k, d.bl) {
			b.ctr.diskWritesLate.Add(1)
		}
	}
}
