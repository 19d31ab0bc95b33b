package vfs

import "testing"

func TestPageCache(t *testing.T) {
	var p pageCache
	step := func(etag string, wantKeep, wantDirect bool) {
		t.Helper()
		keep, direct := p.opened(etag)
		if keep != wantKeep || direct != wantDirect {
			t.Fatalf("open %s: keep=%v direct=%v, want %v %v", etag, keep, direct, wantKeep, wantDirect)
		}
	}
	step("e1", false, false) // first open: the cache may hold anything
	step("e1", true, false)  // same version: keep
	p.released("e1")
	p.released("e1")
	step("e1", true, false) // closed and reopened, same version: keep
	step("e2", false, true) // e1 still open: bypass the cache
	p.released("e1")
	step("e2", false, false) // e1 closed: drop the e1 pages
	step("e2", true, false)
	p.released("e2")
	p.released("e2")
	if len(p.open) != 0 {
		t.Fatalf("open handles left: %v", p.open)
	}
	step("", false, false) // unknown ETag: never keep
	step("", false, false)
}
