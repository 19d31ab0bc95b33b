package cache

import "sync"

// block is one cached block's bytes and the lock that keeps them while
// they are read. Readers hold the read lock through a View (a copy, or a
// FUSE reply being written); when the memory tier drops the block,
// recycle takes the write lock, waiting for them, sets data to nil (the
// block is dead) and hands a full-size buffer to the free list, so the
// next fetch fills it instead of allocating (and zeroing) a new one: a
// steady stream of reads then makes no garbage. A dead block may still be
// reached through a fill that has just completed: view refuses it and the
// caller looks again.
type block struct {
	mu   sync.RWMutex
	data []byte // nil once recycled
}

// View is a block held for reading: Bytes stays valid until Release.
// Release exactly once; a zero View is empty and its Release does nothing.
type View struct{ bl *block }

// Bytes returns the block's bytes. They must not be modified.
func (v View) Bytes() []byte {
	if v.bl == nil {
		return nil
	}
	return v.bl.data
}

// Release lets the block be recycled.
func (v View) Release() {
	if v.bl != nil {
		v.bl.mu.RUnlock()
	}
}

// view read-locks bl, unless it is dead.
func (bl *block) view() (View, bool) {
	bl.mu.RLock()
	if bl.data == nil {
		bl.mu.RUnlock()
		return View{}, false
	}
	return View{bl: bl}, true
}

// freeList holds full-size buffers of recycled blocks for fetches to
// reuse; it is bounded, and beyond it buffers go to the garbage collector.
type freeList struct {
	size int
	ch   chan []byte
}

func newFreeList(size, n int) *freeList {
	return &freeList{size: size, ch: make(chan []byte, n)}
}

// get returns a buffer of n bytes: a recycled one when n is the full
// size and one is free, else a new one.
func (l *freeList) get(n int) []byte {
	if n == l.size {
		select {
		case buf := <-l.ch:
			return buf[:n]
		default:
		}
	}
	return make([]byte, n)
}

// put offers buf for reuse (full-size buffers only).
func (l *freeList) put(buf []byte) {
	if cap(buf) != l.size {
		return
	}
	select {
	case l.ch <- buf[:cap(buf)]:
	default:
	}
}

// Buffer returns a buffer of n bytes for a FetchFunc or RunFetchFunc to
// fill and hand over: when n is BlockSize it is a recycled block's buffer
// if one is free (not zeroed: the fetch must fill all of it, or drop it).
func (b *Blocks) Buffer(n int) []byte { return b.free.get(n) }

// recycle drops bl: once its readers are done it is dead and its buffer
// is free for reuse. It never blocks its caller (which may hold a view
// of bl itself, or a lock a reader of bl waits for).
func (b *Blocks) recycle(bl *block) {
	if bl.mu.TryLock() {
		b.kill(bl)
		return
	}
	go func() {
		bl.mu.Lock()
		b.kill(bl)
	}()
}

// kill marks the write-locked bl dead, frees its buffer and unlocks it.
func (b *Blocks) kill(bl *block) {
	data := bl.data
	bl.data = nil
	bl.mu.Unlock()
	if data != nil {
		b.free.put(data)
	}
}
