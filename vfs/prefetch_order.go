package vfs

import (
	"sort"

	"github.com/objfs/objfs/cache"
)

// The orders the data-loader prefetch follows (prefetch.go). A directory's
// opens are matched against, in this order of preference:
//
//  1. its fresh listing (what the program's readdir took): `tar c`,
//     `cp -r`, `cat dir/*`, a loader's workers taking the next file each;
//  2. the listing the directory's order was last followed on, when it
//     has expired since (a long `tar c` outlives --list-ttl, and nothing
//     lists the directory again): its ETags may be old, which costs at
//     most a wasted fetch, never stale data (block keys carry the ETag);
//  3. the order of the previous pass of opens in the directory, when no
//     listing was ever seen (a program that opens files by name from an
//     index, again every epoch in the same order): a pass ends when a
//     name is opened a second time.

// Bounds of the orders of opens kept: passes of at most
// prefetchHistoryMax names, for prefetchHistoryDirs directories.
const (
	prefetchHistoryMax  = 4096
	prefetchHistoryDirs = 8
	// prefetchDirsMax and prefetchListBytesMax bound the directories whose
	// order is followed, and the bytes of the listings those orders hold
	// (a listing of 100,000 names is about 7.5 MB).
	prefetchDirsMax      = 64
	prefetchListBytesMax = 32 << 20
)

// sequence is an order of a directory's entries: a listing (listingSeq)
// or a pass of opens (*openPass). Values compare equal when they are the
// same order (a job or an order state holds the one it was made for).
type sequence interface {
	len() int
	at(i int) entry
}

// listingSeq is a listing as a sequence, by name.
type listingSeq struct{ l *cache.Listing }

func (s listingSeq) len() int       { return s.l.Len() }
func (s listingSeq) at(i int) entry { return fromCacheEntry(s.l.At(i)) }

// index returns the index of name in the listing (sorted by name).
func (s listingSeq) index(name string) (int, bool) {
	l := s.l
	i := sort.Search(l.Len(), func(i int) bool { return l.At(i).Name >= name })
	return i, i < l.Len() && l.At(i).Name == name
}

// openPass is one pass of opens in a directory, in open order.
type openPass struct {
	entries []entry
	pos     map[string]int // name → index in entries
}

func newOpenPass() *openPass { return &openPass{pos: map[string]int{}} }

func (s *openPass) len() int       { return len(s.entries) }
func (s *openPass) at(i int) entry { return s.entries[i] }

// openHistory is a directory's previous pass of opens and the current one.
type openHistory struct {
	prev, cur *openPass
}

// record adds an open of e to the current pass, starting a new one when e
// was opened in it already; it returns the previous pass (nil if none).
func (h *openHistory) record(e entry) *openPass {
	if _, again := h.cur.pos[e.name]; again {
		h.prev, h.cur = h.cur, newOpenPass()
	}
	if len(h.cur.entries) < prefetchHistoryMax {
		h.cur.pos[e.name] = len(h.cur.entries)
		h.cur.entries = append(h.cur.entries, e)
	}
	return h.prev
}

// dirOrder is the open order seen in one directory, as indexes into the
// sequence it was seen against.
type dirOrder struct {
	seq    sequence
	last   int // index of the last open
	hi     int // the furthest index opened in the current streak
	streak int // opens in a row that followed the sequence
	issued int // entries below it were handed out (or skipped)
}

// order follows an open of e in d: the entries [from, to) of seq to
// prefetch now.
func (p *filePrefetch) order(d *Dir, e entry) (from, to int, seq sequence) {
	if p.ahead == 0 || d.bucket == "" {
		return 0, 0, nil
	}
	k := dirKey{d.bucket, d.prefix()}
	if l, ok := d.fsys.meta.PeekDir(d.bucket, d.prefix()); ok { // the fresh listing, not counted as a hit
		ls := listingSeq{l}
		if idx, ok := ls.index(e.name); ok {
			from, to = p.follow(k, ls, idx)
			return from, to, ls
		}
		return 0, 0, nil
	}
	p.mu.Lock()
	o := p.dirs[k]
	if o != nil {
		if ls, ok := o.seq.(listingSeq); ok {
			p.mu.Unlock()
			if idx, ok := ls.index(e.name); ok {
				from, to = p.follow(k, ls, idx)
				return from, to, ls
			}
			return 0, 0, nil
		}
	}
	prev := p.historyLocked(k).record(e)
	p.mu.Unlock()
	if prev == nil {
		return 0, 0, nil
	}
	idx, ok := prev.pos[e.name]
	if !ok {
		return 0, 0, nil
	}
	from, to = p.follow(k, prev, idx)
	return from, to, prev
}

// historyLocked returns the directory's history of opens, created if need
// be (p.mu held).
func (p *filePrefetch) historyLocked(k dirKey) *openHistory {
	h := p.hist[k]
	if h == nil {
		if len(p.hist) >= prefetchHistoryDirs {
			for old := range p.hist {
				delete(p.hist, old)
				break
			}
		}
		h = &openHistory{cur: newOpenPass()}
		p.hist[k] = h
	}
	return h
}

// follow updates the directory's order with an open of entry idx of seq
// and returns the entries [from, to) to prefetch now (from == to: none).
func (p *filePrefetch) follow(k dirKey, seq sequence, idx int) (from, to int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.dirs[k]
	if o == nil || o.seq != seq {
		p.dirs[k] = &dirOrder{seq: seq, last: idx, hi: idx, issued: idx + 1}
		p.trimLocked(k)
		return 0, 0
	}
	if idx != o.last && idx >= o.last-prefetchSlack && idx <= o.last+prefetchSlack {
		o.streak++
		o.hi = max(o.hi, idx)
	} else {
		o.streak, o.hi, o.issued = 0, idx, idx+1
	}
	o.last = idx
	if o.streak < prefetchStreak {
		return 0, 0
	}
	from = max(o.issued, o.hi+1)
	to = min(o.hi+1+p.ahead, seq.len())
	if from >= to {
		return 0, 0
	}
	o.issued = to
	return from, to
}

// handedOut moves the directory's issued mark back to i: entry i was not
// handed out (the queue was full), so a later open offers it again.
func (p *filePrefetch) handedOut(k dirKey, seq sequence, i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if o := p.dirs[k]; o != nil && o.seq == seq && o.issued > i {
		o.issued = i
	}
}

// trimLocked forgets the orders of other directories than keep (any: a
// map's order is arbitrary enough) while there are more than
// prefetchDirsMax, or the listings they hold take more than
// prefetchListBytesMax: an order holds its listing after the metadata
// cache dropped it (p.mu held).
func (p *filePrefetch) trimLocked(keep dirKey) {
	held := int64(0)
	for _, o := range p.dirs {
		if ls, ok := o.seq.(listingSeq); ok {
			held += ls.l.Bytes()
		}
	}
	for k, o := range p.dirs {
		if len(p.dirs) <= prefetchDirsMax && held <= prefetchListBytesMax {
			return
		}
		if k == keep {
			continue
		}
		if ls, ok := o.seq.(listingSeq); ok {
			held -= ls.l.Bytes()
		}
		delete(p.dirs, k)
	}
}
