package cache

import (
	"math"
	"slices"
	"strings"
)

// listingBuilder appends entries, already sorted and unique, to fresh
// columns.
type listingBuilder struct {
	names, etags strings.Builder
	l            Listing
	tooLarge     bool
}

// newListingBuilder sizes every column exactly for n entries whose names
// and ETags total nameBytes and etagBytes, so nothing is over-allocated.
func newListingBuilder(n, nameBytes, etagBytes int) *listingBuilder {
	b := &listingBuilder{}
	b.names.Grow(nameBytes)
	b.etags.Grow(etagBytes)
	b.l.nameEnd = make([]uint32, 0, n)
	b.l.etagEnd = make([]uint32, 0, n)
	b.l.sizes = make([]int64, 0, n)
	b.l.mtimes = make([]int64, 0, n)
	b.l.dirs = make([]uint64, (n+63)/64)
	b.l.links = make([]uint64, (n+63)/64)
	return b
}

func (b *listingBuilder) add(e Entry) {
	i := len(b.l.nameEnd)
	if b.names.Len()+len(e.Name) > math.MaxUint32 || b.etags.Len()+len(e.ETag) > math.MaxUint32 {
		b.tooLarge = true
		return
	}
	b.names.WriteString(e.Name)
	b.etags.WriteString(e.ETag)
	b.l.nameEnd = append(b.l.nameEnd, uint32(b.names.Len()))
	b.l.etagEnd = append(b.l.etagEnd, uint32(b.etags.Len()))
	b.l.sizes = append(b.l.sizes, e.Size)
	b.l.mtimes = append(b.l.mtimes, mtimeNanos(e))
	setBit(&b.l.dirs, i, e.IsDir)
	setBit(&b.l.links, i, e.IsLink)
}

func (b *listingBuilder) build() (*Listing, error) {
	if b.tooLarge {
		return nil, ErrListingTooLarge
	}
	b.l.names = b.names.String()
	b.l.etags = b.etags.String()
	l := b.l
	return &l, nil
}

func mtimeNanos(e Entry) int64 {
	if e.MTime.IsZero() {
		return noMTime
	}
	return e.MTime.UnixNano()
}

func setBit(bits *[]uint64, i int, v bool) {
	for len(*bits) <= i/64 {
		*bits = append(*bits, 0)
	}
	if v {
		(*bits)[i/64] |= 1 << (i % 64)
	} else {
		(*bits)[i/64] &^= 1 << (i % 64)
	}
}

func (l *Listing) isDir(i int) bool { return l.dirs[i/64]&(1<<(i%64)) != 0 }

func (l *Listing) isLink(i int) bool { return l.links[i/64]&(1<<(i%64)) != 0 }

// upsert returns a copy of l with e inserted, or replacing the entry of
// the same name. A file never replaces a directory (the directory wins, as
// in NewListing): then l itself is returned.
func (l *Listing) upsert(e Entry) (*Listing, error) {
	i, found := l.search(e.Name)
	if !found {
		return l.splice(i, i, &e)
	}
	if l.isDir(i) && !e.IsDir {
		return l, nil
	}
	return l.splice(i, i+1, &e)
}

// remove returns a copy of l without name's entry of the given kind (l
// itself when there is none).
func (l *Listing) remove(name string, isDir bool) *Listing {
	i, found := l.search(name)
	if !found || l.isDir(i) != isDir {
		return l
	}
	out, _ := l.splice(i, i+1, nil) // shrinking cannot overflow
	return out
}

// splice returns a new listing: entries [0,i) of l, then e if not nil,
// then entries [j,n). It copies columns wholesale: O(n) bytes moved, no
// per-entry work beyond offset and bit shifts.
func (l *Listing) splice(i, j int, e *Entry) (*Listing, error) {
	var mid Entry
	ins := 0
	if e != nil {
		mid, ins = *e, 1
	}
	if len(l.names)+len(mid.Name) > math.MaxUint32 || len(l.etags)+len(mid.ETag) > math.MaxUint32 {
		return nil, ErrListingTooLarge
	}
	n := l.Len() - (j - i) + ins
	out := &Listing{
		names:   l.names[:l.nameStart(i)] + mid.Name + l.names[l.nameStart(j):],
		etags:   l.etags[:l.etagStart(i)] + mid.ETag + l.etags[l.etagStart(j):],
		nameEnd: spliceEnds(l.nameEnd, i, j, ins, uint32(len(mid.Name))),
		etagEnd: spliceEnds(l.etagEnd, i, j, ins, uint32(len(mid.ETag))),
		sizes:   spliceCol(l.sizes, i, j, e != nil, mid.Size),
		mtimes:  spliceCol(l.mtimes, i, j, e != nil, mtimeNanos(mid)),
		dirs:    make([]uint64, (n+63)/64),
		links:   make([]uint64, (n+63)/64),
	}
	for k := range i {
		setBit(&out.dirs, k, l.isDir(k))
		setBit(&out.links, k, l.isLink(k))
	}
	if e != nil {
		setBit(&out.dirs, i, mid.IsDir)
		setBit(&out.links, i, mid.IsLink)
	}
	for k := j; k < l.Len(); k++ {
		setBit(&out.dirs, k-j+i+ins, l.isDir(k))
		setBit(&out.links, k-j+i+ins, l.isLink(k))
	}
	return out, nil
}

// spliceEnds splices end offsets: ends of [0,i) are kept, the inserted
// entry (if ins == 1) ends midLen after entry i-1, and ends of [j,n) shift
// by the change in length before them.
func spliceEnds(ends []uint32, i, j, ins int, midLen uint32) []uint32 {
	start := func(k int) uint32 {
		if k == 0 {
			return 0
		}
		return ends[k-1]
	}
	out := make([]uint32, 0, len(ends)-(j-i)+ins)
	out = append(out, ends[:i]...)
	base := start(i)
	if ins == 1 {
		base += midLen
		out = append(out, base)
	}
	old := start(j)
	for _, end := range ends[j:] {
		out = append(out, end-old+base)
	}
	return out
}

func spliceCol(col []int64, i, j int, insert bool, v int64) []int64 {
	if !insert {
		return slices.Concat(col[:i], col[j:])
	}
	return slices.Concat(col[:i], []int64{v}, col[j:])
}
