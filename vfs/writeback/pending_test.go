package writeback

import (
	"context"
	"testing"
	"time"
)

// TestPendingOldest: Pending reports when the longest-waiting change was
// made: the first write after the last commit, not the last write, and
// nothing once committed.
func TestPendingOldest(t *testing.T) {
	f, b := newFakeBucket(t)
	u, _ := newClockedUploader(t, f)
	a := u.Create(b, "a", false)
	defer a.Close()
	start := a.Mtime()
	writeAll(t, a, []byte("one"), 0)
	writeAll(t, a, []byte("two"), 3)
	c := u.Create(b, "c", false)
	defer c.Close()
	writeAll(t, c, []byte("x"), 0)
	p := u.Pending()
	if p.Files != 2 || p.Bytes != 7 || !p.Oldest.Equal(start) {
		t.Fatalf("Pending() = %+v; want 2 files, 7 bytes, oldest %v", p, start)
	}
	if _, err := a.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	p = u.Pending()
	if p.Files != 1 || p.Bytes != 1 || !p.Oldest.After(start) {
		t.Fatalf("after committing a: Pending() = %+v; want c only, oldest after %v", p, start)
	}
	before := p.Oldest
	writeAll(t, a, []byte("three"), 0)
	if p = u.Pending(); p.Files != 2 || !p.Oldest.Equal(before) {
		t.Fatalf("a written again: Pending() = %+v; want 2 files, oldest still %v", p, before)
	}
	var sum Pending
	sum.Add(Pending{Files: 1, Bytes: 2, Oldest: time.Unix(20, 0)})
	sum.Add(Pending{Files: 1, Bytes: 3, Oldest: time.Unix(10, 0)})
	sum.Add(Pending{})
	if sum.Files != 2 || sum.Bytes != 5 || !sum.Oldest.Equal(time.Unix(10, 0)) {
		t.Errorf("Add: %+v", sum)
	}
}
