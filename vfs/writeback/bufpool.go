package writeback

import "sync"

// bufPool keeps streaming part buffers of the base part size for reuse: a
// long upload then allocates its buffers once instead of once per part.
// (Garbage part buffers would let Go's heap grow to about twice the write
// budget before a collection; reused ones keep the process near the
// budget.) It keeps at most max free buffers, so it holds at most one
// budget's worth of idle memory.
type bufPool struct {
	size int64
	max  int

	mu   sync.Mutex
	free [][]byte // guarded by mu
}

func newBufPool(size, budget int64) *bufPool {
	return &bufPool{size: size, max: int(max(budget/size, 1))}
}

// get returns an empty buffer of capacity size.
func (p *bufPool) get() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, p.size)
}

// put gives b back for reuse when it is one of the pool's size; the caller
// must not use it afterwards.
func (p *bufPool) put(b []byte) {
	if int64(cap(b)) != p.size {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < p.max {
		p.free = append(p.free, b)
	}
}
