package writeback

import "sort"

// extents is a set of disjoint, sorted, non-adjacent half-open byte ranges.
type extents []span

type span struct{ start, end int64 }

// add merges [start, end) into the set.
func (e extents) add(start, end int64) extents {
	if start >= end {
		return e
	}
	// first span whose end reaches start (touching spans merge)
	i := sort.Search(len(e), func(i int) bool { return e[i].end >= start })
	j := i
	for j < len(e) && e[j].start <= end {
		start = min(start, e[j].start)
		end = max(end, e[j].end)
		j++
	}
	out := make(extents, 0, len(e)-(j-i)+1)
	out = append(out, e[:i]...)
	out = append(out, span{start, end})
	return append(out, e[j:]...)
}

// clip drops everything at or beyond limit.
func (e extents) clip(limit int64) extents {
	out := e[:0:0]
	for _, s := range e {
		if s.start >= limit {
			break
		}
		out = append(out, span{s.start, min(s.end, limit)})
	}
	return out
}

// overlaps reports whether any byte of [start, end) is in the set.
func (e extents) overlaps(start, end int64) bool {
	if start >= end {
		return false
	}
	i := sort.Search(len(e), func(i int) bool { return e[i].end > start })
	return i < len(e) && e[i].start < end
}

// gaps returns the sub-ranges of [start, end) that are not in the set.
func (e extents) gaps(start, end int64) []span {
	var out []span
	pos := start
	i := sort.Search(len(e), func(i int) bool { return e[i].end > start })
	for ; i < len(e) && pos < end; i++ {
		if e[i].start > pos {
			out = append(out, span{pos, min(e[i].start, end)})
		}
		pos = max(pos, e[i].end)
	}
	if pos < end {
		out = append(out, span{pos, end})
	}
	return out
}
