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
// Blocks are accounted by capacity (what they really pin). A dropped block
// is handed back to the caller, which recycles it (buffer.go) once its
// readers are done: a View stays valid after eviction.
//
// An entry is unsaved when the disk tier skipped writing it (its queue was
// full): the tier hands such blocks back when it evicts them, and lists
// them at Close, so that they reach the disk late rather than never.
type memTier struct {
	budget int64
	ctr    *blockCounters

	mu      sync.Mutex // guards lru, the entries' unsaved flags, unsaved and bytes
	lru     *simplelru.LRU[BlockKey, *memEntry]
	bytes   int64 // sum of cap() of the blocks' data in lru; <= budget
	unsaved int   // entries in lru whose unsaved flag is set
}

type memEntry struct {
	bl      *block
	size    int64 // cap of its data when added
	unsaved bool
}

// dropped is a block the tier let go of: the caller writes it to disk if
// unsaved, then recycles it.
type dropped struct {
	k       BlockKey
	bl      *block
	unsaved bool
}

func newMemTier(budget int64, ctr *blockCounters) *memTier {
	lru, err := simplelru.NewLRU[BlockKey, *memEntry](math.MaxInt, nil)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &memTier{budget: budget, ctr: ctr, lru: lru}
}

// get returns the block and marks it most recently used.
func (m *memTier) get(k BlockKey) (*block, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Get(k)
	if !ok {
		return nil, false
	}
	return e.bl, true
}

// contains reports presence without touching recency.
func (m *memTier) contains(k BlockKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Contains(k)
}

// add stores bl as k's block, evicting least recently used blocks first
// so the budget holds at every moment another goroutine can observe. It
// returns the blocks it let go of (evicted, or replaced), which the caller
// must recycle; a block larger than the whole budget is not stored, and is
// returned too.
func (m *memTier) add(k BlockKey, bl *block) []dropped {
	size := int64(cap(bl.data))
	if size > m.budget {
		return []dropped{{k: k, bl: bl}}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dropped
	if old, ok := m.lru.Peek(k); ok {
		m.lru.Remove(k)
		m.bytes -= old.size
		m.forget(old)
		out = append(out, dropped{k, old.bl, old.unsaved})
	}
	for m.bytes+size > m.budget {
		oldKey, old, ok := m.lru.RemoveOldest()
		if !ok {
			break
		}
		m.bytes -= old.size
		m.forget(old)
		m.ctr.memEvictions.Add(1)
		out = append(out, dropped{oldKey, old.bl, old.unsaved})
	}
	m.lru.Add(k, &memEntry{bl: bl, size: size})
	m.bytes += size
	return out
}

// markUnsaved flags k's block, if it is here, as not written to disk. It
// reports whether it was here.
func (m *memTier) markUnsaved(k BlockKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Peek(k)
	if ok && !e.unsaved {
		e.unsaved = true
		m.unsaved++
	}
	return ok
}

// forget counts e out of the unsaved entries as it leaves lru (m.mu held).
func (m *memTier) forget(e *memEntry) {
	if e.unsaved {
		m.unsaved--
	}
}

// takeOneUnsaved returns an unsaved block, least recently used first, and
// clears its flag; false when there is none (no scan then).
func (m *memTier) takeOneUnsaved() (dropped, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unsaved == 0 {
		return dropped{}, false
	}
	for _, k := range m.lru.Keys() {
		if e, _ := m.lru.Peek(k); e.unsaved {
			e.unsaved = false
			m.unsaved--
			return dropped{k, e.bl, true}, true
		}
	}
	return dropped{}, false
}

// takeUnsaved returns the unsaved blocks and clears their flags.
func (m *memTier) takeUnsaved() []dropped {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dropped
	for _, k := range m.lru.Keys() {
		if e, _ := m.lru.Peek(k); e.unsaved {
			e.unsaved = false
			out = append(out, dropped{k, e.bl, true})
		}
	}
	m.unsaved = 0
	return out
}

// level returns the bytes and blocks held.
func (m *memTier) level() (bytes, blocks int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes, int64(m.lru.Len())
}
