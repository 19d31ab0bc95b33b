package vfs

import "sync"

// seqSlackBlocks is how far, in blocks, a read may land from where the
// previous reads ended and still count as sequential (when the window is
// smaller). The kernel's own readahead sends several reads at once and
// the adapter serves them on separate goroutines, so a sequential stream
// reaches us slightly out of order.
const seqSlackBlocks = 4

// readahead decides, for one open file, which blocks to fetch ahead of
// the reader. It is pure bookkeeping over block indexes; the reader turns
// its answers into cache prefetches.
//
// A read is sequential when it starts near where earlier reads ended (the
// high-water mark), within the window or seqSlackBlocks, whichever is
// larger. The first sequential read opens a window of one block; every
// block the reader then enters doubles it, up to maxBlocks. Any other read
// is random: the window closes and nothing is prefetched, so random reads
// fetch only the blocks they touch. Blocks below issued have been asked
// for already, so each block is handed out once per stream (again only if
// the reader reports it dropped). New blocks are handed out only when less
// than half a window is left ahead of the reader, so they come in batches
// of at least half a window: few, large requests (see reader.prefetch).
type readahead struct {
	blockSize int64
	maxBlocks int64 // largest window; 0: readahead off
	lastBlock int64 // index of the object's last block; -1 when empty

	mu     sync.Mutex // guards the fields below
	next   int64      // end of the furthest read of the current stream
	window int64      // in blocks; 0 when reads are random
	cur    int64      // the furthest block the stream has entered
	issued int64      // blocks [cur+1, issued) have been handed out
}

func newReadahead(size, blockSize, maxBlocks int64) *readahead {
	return &readahead{blockSize: blockSize, maxBlocks: maxBlocks, lastBlock: (size+blockSize-1)/blockSize - 1}
}

// observe records a read of [off, end) (end > off) and returns the blocks
// [from, to) to prefetch; from == to when there are none.
func (ra *readahead) observe(off, end int64) (from, to int64) {
	if ra.maxBlocks == 0 {
		return 0, 0
	}
	ra.mu.Lock()
	defer ra.mu.Unlock()
	first, last := off/ra.blockSize, (end-1)/ra.blockSize
	if !ra.sequentialLocked(off) {
		ra.window, ra.next, ra.cur, ra.issued = 0, end, last, last+1
		return 0, 0
	}
	switch {
	case ra.window == 0:
		ra.window, ra.cur, ra.issued = 1, last, max(last+1, first+1)
	case last > ra.cur:
		for i := ra.cur; i < last && ra.window < ra.maxBlocks; i++ {
			ra.window *= 2
		}
		ra.window = min(ra.window, ra.maxBlocks)
		ra.cur = last
	}
	ra.next = max(ra.next, end)
	if ra.issued-(ra.cur+1) > ra.window/2 {
		return 0, 0 // more than half a window ahead already
	}
	from = max(ra.issued, ra.cur+1)
	to = min(ra.cur+1+ra.window, ra.lastBlock+1)
	if from >= to {
		return 0, 0
	}
	ra.issued = to
	return from, to
}

// sequential reports whether a read at off would continue the stream
// (observe would count it as sequential).
func (ra *readahead) sequential(off int64) bool {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.sequentialLocked(off)
}

// sequentialLocked reports whether a read at off continues the stream.
func (ra *readahead) sequentialLocked(off int64) bool {
	slack := max(ra.window, seqSlackBlocks) * ra.blockSize
	if ra.window == 0 {
		// Not in a stream: only an exact continuation (or a first read
		// at the start of the file) opens one.
		return off == ra.next
	}
	return off >= ra.next-slack && off <= ra.next+slack
}

// dropped reports that block index, handed out by observe, could not be
// prefetched: the next sequential read hands it out again.
func (ra *readahead) dropped(index int64) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if ra.window > 0 && index > ra.cur && index < ra.issued {
		ra.issued = index
	}
}
