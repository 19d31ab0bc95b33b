package cache

import (
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// memTier is the memory tier: an LRU of immutable block slices with a byte
// budget. simplelru counts entries, so the tier counts bytes itself and
// evicts from the LRU end until a new block fits; the entry limit is set so
// high it never triggers.
//
// Blocks are accounted by capacity (what they really pin), and a block is
// only ever dropped from the index, never reused: a slice handed to a
// caller stays valid after eviction.
//
// An entry is unsaved when the disk tier skipped writing it (its queue was
// full): the tier hands such blocks back when it evicts them, and lists
// them at Close, so that they reach the disk late rather than never.
type memTier struct {
	budget int64
	ctr    *blockCounters

	mu    sync.Mutex // guards lru, the entries' unsaved flags, and bytes
	lru   *simplelru.LRU[BlockKey, *memEntry]
	bytes int64 // sum of cap() of the slices in lru; <= budget
}

type memEntry struct {
	data    []byte
	unsaved bool
}

// keyed is a block and its key.
type keyed struct {
	k    BlockKey
	data []byte
}

func newMemTier(budget int64, ctr *blockCounters) *memTier {
	lru, err := simplelru.NewLRU[BlockKey, *memEntry](math.MaxInt, nil)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &memTier{budget: budget, ctr: ctr, lru: lru}
}

// get returns the block and marks it most recently used.
func (m *memTier) get(k BlockKey) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Get(k)
	if !ok {
		return nil, false
	}
	return e.data, true
}

// contains reports presence without touching recency.
func (m *memTier) contains(k BlockKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Contains(k)
}

// add stores data as k's block, evicting least recently used blocks first
// so the budget holds at every moment another goroutine can observe. A
// block larger than the whole budget is not stored. It returns the evicted
// blocks that were unsaved.
func (m *memTier) add(k BlockKey, data []byte) []keyed {
	size := int64(cap(data))
	if size > m.budget {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.lru.Peek(k); ok {
		m.lru.Remove(k)
		m.bytes -= int64(cap(old.data))
	}
	var unsaved []keyed
	for m.bytes+size > m.budget {
		oldKey, old, ok := m.lru.RemoveOldest()
		if !ok {
			break
		}
		m.bytes -= int64(cap(old.data))
		m.ctr.memEvictions.Add(1)
		if old.unsaved {
			unsaved = append(unsaved, keyed{oldKey, old.data})
		}
	}
	m.lru.Add(k, &memEntry{data: data})
	m.bytes += size
	return unsaved
}

// markUnsaved flags k's block, if it is here, as not written to disk. It
// reports whether it was here.
func (m *memTier) markUnsaved(k BlockKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Peek(k)
	if ok {
		e.unsaved = true
	}
	return ok
}

// takeUnsaved returns the unsaved blocks and clears their flags.
func (m *memTier) takeUnsaved() []keyed {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []keyed
	for _, k := range m.lru.Keys() {
		if e, _ := m.lru.Peek(k); e.unsaved {
			e.unsaved = false
			out = append(out, keyed{k, e.data})
		}
	}
	return out
}

// level returns the bytes and blocks held.
func (m *memTier) level() (bytes, blocks int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes, int64(m.lru.Len())
}
