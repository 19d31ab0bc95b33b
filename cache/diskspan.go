package cache

import (
	"context"
	"os"
	"sync"
)

// Span is a block served from the disk tier without reading it into
// memory: Len bytes at Off in File, for the caller to hand to the kernel
// (splice). The block was verified in this run, and its bytes stay valid
// until Release, even if it is evicted meanwhile; the caller must not
// write to File or keep it after Release.
type Span struct {
	File *os.File
	Off  int64
	Len  int
	done func()
}

// Release ends the caller's use of the span. It is safe to call twice.
func (s Span) Release() {
	if s.done != nil {
		s.done()
	}
}

// AcquireSpan is Acquire for a caller that can use a file range instead
// of bytes: a block in memory is a View, a block on disk that was verified
// in this run (written in it, or read and checked once) is a Span, and
// anything else goes through Acquire, which reads an unverified disk block
// into memory and checks it first. So a torn or corrupt block is never
// handed out as a Span. Exactly one of the View and the Span is set.
func (b *Blocks) AcquireSpan(ctx context.Context, k BlockKey, fetch FetchFunc) (View, Span, error) {
	if err := k.validate(); err != nil {
		return View{}, Span{}, err
	}
	if bl, ok := b.mem.get(k); ok {
		if v, ok := bl.view(); ok {
			b.ctr.memHits.Add(1)
			return v, Span{}, nil
		}
	}
	if b.disk != nil {
		if f, o, blk, ok := b.disk.pin(k, true); ok {
			b.ctr.diskSpans.Add(1)
			var once sync.Once
			done := func() {
				once.Do(func() {
					f.Close()
					b.disk.unpin(o, k.Index, false)
				})
			}
			b.disk.touch(o)
			return View{}, Span{File: f, Off: k.Index * b.cfg.BlockSize, Len: int(blk.size), done: done}, nil
		}
	}
	v, err := b.Acquire(ctx, k, fetch)
	return v, Span{}, err
}

// diskReady reports whether k is on disk and verified in this run: a
// reader is served from there (AcquireSpan) without loading it.
func (b *Blocks) diskReady(k BlockKey) bool {
	return b.disk != nil && b.disk.verified(k)
}
