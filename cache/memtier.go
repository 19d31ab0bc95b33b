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
type memTier struct {
	budget int64
	ctr    *blockCounters

	mu    sync.Mutex // guards lru and bytes
	lru   *simplelru.LRU[BlockKey, []byte]
	bytes int64 // sum of cap() of the slices in lru; <= budget
}

func newMemTier(budget int64, ctr *blockCounters) *memTier {
	lru, err := simplelru.NewLRU[BlockKey, []byte](math.MaxInt, nil)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &memTier{budget: budget, ctr: ctr, lru: lru}
}

// get returns the block and marks it most recently used.
func (m *memTier) get(k BlockKey) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Get(k)
}

// contains reports presence without touching recency.
func (m *memTier) contains(k BlockKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Contains(k)
}

// add stores data as k's block, evicting least recently used blocks first
// so the budget holds at every moment another goroutine can observe. A
// block larger than the whole budget is not stored.
func (m *memTier) add(k BlockKey, data []byte) {
	size := int64(cap(data))
	if size > m.budget {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.lru.Peek(k); ok {
		m.lru.Remove(k)
		m.bytes -= int64(cap(old))
	}
	for m.bytes+size > m.budget {
		_, old, ok := m.lru.RemoveOldest()
		if !ok {
			break
		}
		m.bytes -= int64(cap(old))
		m.ctr.memEvictions.Add(1)
	}
	m.lru.Add(k, data)
	m.bytes += size
}

// level returns the bytes and blocks held.
func (m *memTier) level() (bytes, blocks int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes, int64(m.lru.Len())
}
