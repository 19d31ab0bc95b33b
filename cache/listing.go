package cache

import (
	"errors"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// Entry is one directory entry. Name is the entry's name inside its
// directory (no slashes; a directory's name has no trailing "/").
type Entry struct {
	Name  string
	IsDir bool
	// IsLink marks a symbolic link (whose object key is not Name: the
	// file system above decides how links are stored).
	IsLink bool
	Size   int64
	MTime  time.Time // x-amz-meta-mtime when present, else LastModified
	ETag   string
}

// Listing is an immutable, sorted, duplicate-free directory listing stored
// column-wise so a 100,000-entry directory stays small: all names live in
// one string and all ETags in another (entries point into them by end
// offset), sizes and mtimes (unix nanoseconds) are int64 columns, and the
// directory flags are a bit set. Nothing per entry is a separate heap
// object, so the garbage collector sees a handful of pointers, not 300,000.
// Entries returned by At and Lookup share the listing's strings and cost no
// allocation.
type Listing struct {
	names   string
	nameEnd []uint32 // name i is names[nameEnd[i-1]:nameEnd[i]]
	etags   string
	etagEnd []uint32
	sizes   []int64
	mtimes  []int64  // unix nanos; noMTime for the zero time
	dirs    []uint64 // bit i set: entry i is a directory
	links   []uint64 // bit i set: entry i is a symbolic link
}

// noMTime stands for the zero time.Time, which has no unix nano value.
const noMTime = math.MinInt64

// ErrListingTooLarge is returned when a listing's names or ETags add up to
// more than 4 GiB: such a directory cannot be cached.
var ErrListingTooLarge = errors.New("listing too large to cache")

// NewListing builds a listing from entries in any order. Duplicates (an
// object "a" and a prefix "a/", or a marker "a/" and a prefix "a/") are
// merged: a directory beats a file, and among entries of the same kind
// the later one in entries wins. entries is not modified or retained.
func NewListing(entries []Entry) (*Listing, error) {
	order := make([]int32, len(entries))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(entries[a].Name, entries[b].Name) })
	kept := order[:0]
	for _, i := range order {
		n := len(kept)
		if n > 0 && entries[kept[n-1]].Name == entries[i].Name {
			if entries[i].IsDir || !entries[kept[n-1]].IsDir {
				kept[n-1] = i
			}
			continue
		}
		kept = append(kept, i)
	}
	var nameBytes, etagBytes int
	for _, i := range kept {
		nameBytes += len(entries[i].Name)
		etagBytes += len(entries[i].ETag)
	}
	b := newListingBuilder(len(kept), nameBytes, etagBytes)
	for _, i := range kept {
		b.add(entries[i])
	}
	return b.build()
}

// Len is the number of entries.
func (l *Listing) Len() int {
	if l == nil {
		return 0
	}
	return len(l.nameEnd)
}

// At returns entry i (0 <= i < Len()), in name order.
func (l *Listing) At(i int) Entry {
	e := Entry{
		Name:   l.name(i),
		IsDir:  l.isDir(i),
		IsLink: l.isLink(i),
		Size:   l.sizes[i],
		ETag:   l.etags[l.etagStart(i):l.etagEnd[i]],
	}
	if t := l.mtimes[i]; t != noMTime {
		e.MTime = time.Unix(0, t).UTC()
	}
	return e
}

// All yields the entries in name order with their indexes.
func (l *Listing) All() iter.Seq2[int, Entry] {
	return func(yield func(int, Entry) bool) {
		for i := range l.Len() {
			if !yield(i, l.At(i)) {
				return
			}
		}
	}
}

// Lookup finds an entry by name (binary search).
func (l *Listing) Lookup(name string) (Entry, bool) {
	i, ok := l.search(name)
	if !ok {
		return Entry{}, false
	}
	return l.At(i), true
}

// search returns where name is or would be inserted, and whether it is
// there.
func (l *Listing) search(name string) (int, bool) {
	lo, hi := 0, l.Len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.name(m) < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < l.Len() && l.name(lo) == name
}

// Bytes is the listing's memory footprint: what the metadata cache charges
// against its budget.
func (l *Listing) Bytes() int64 {
	if l == nil {
		return 0
	}
	n := int64(unsafe.Sizeof(*l)) + int64(len(l.names)) + int64(len(l.etags))
	n += int64(cap(l.nameEnd)+cap(l.etagEnd)) * 4
	n += int64(cap(l.sizes)+cap(l.mtimes)+cap(l.dirs)+cap(l.links)) * 8
	return n
}

func (l *Listing) name(i int) string { return l.names[l.nameStart(i):l.nameEnd[i]] }

func (l *Listing) nameStart(i int) uint32 {
	if i == 0 {
		return 0
	}
	return l.nameEnd[i-1]
}

func (l *Listing) etagStart(i int) uint32 {
	if i == 0 {
		return 0
	}
	return l.etagEnd[i-1]
}
