package cache

import (
	"fmt"
	"testing"
	"time"
)

func newTestMeta(t *testing.T, mutate func(*MetaConfig)) (*Meta, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg := MetaConfig{StatTTL: 10 * time.Second, ListTTL: 20 * time.Second, NegativeTTL: 2 * time.Second, Clock: clock.Now}
	if mutate != nil {
		mutate(&cfg)
	}
	m, err := NewMeta(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, clock
}

func mustListing(t *testing.T, entries ...Entry) *Listing {
	t.Helper()
	l, err := NewListing(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestStatTTLExpiry(t *testing.T) {
	m, clock := newTestMeta(t, nil)
	e := Entry{Size: 42, ETag: `"x"`, MTime: clock.Now()}
	m.PutStat("b", "dir/file", e)
	st, ok := m.GetStat("b", "dir/file")
	if !ok || !st.Exists || st.Entry.Size != 42 || st.Entry.Name != "file" || !st.Entry.MTime.Equal(e.MTime) {
		t.Fatalf("GetStat = %+v, %v", st, ok)
	}
	clock.Advance(10*time.Second - 1)
	if _, ok := m.GetStat("b", "dir/file"); !ok {
		t.Fatal("stat expired early")
	}
	clock.Advance(1)
	if _, ok := m.GetStat("b", "dir/file"); ok {
		t.Fatal("stat served after StatTTL")
	}
	if _, ok := m.GetStat("other-bucket", "dir/file"); ok {
		t.Fatal("stat leaked across buckets")
	}
}

func TestNegativeEntries(t *testing.T) {
	m, clock := newTestMeta(t, nil)
	m.PutNegative("b", "nope")
	st, ok := m.GetStat("b", "nope")
	if !ok || st.Exists {
		t.Fatalf("negative entry: %+v %v", st, ok)
	}
	clock.Advance(2 * time.Second)
	if _, ok := m.GetStat("b", "nope"); ok {
		t.Fatal("negative entry served after NegativeTTL")
	}
	if s := m.Stats(); s.NegativeHits != 1 || s.StatMisses != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestZeroTTLDisablesCaching(t *testing.T) {
	m, _ := newTestMeta(t, func(c *MetaConfig) { c.StatTTL, c.ListTTL, c.NegativeTTL = 0, 0, 0 })
	m.PutStat("b", "f", Entry{})
	m.PutNegative("b", "g")
	m.PutDir("b", "", mustListing(t, Entry{Name: "f"}))
	if _, ok := m.GetStat("b", "f"); ok {
		t.Fatal("stat cached with StatTTL 0")
	}
	if _, ok := m.GetStat("b", "g"); ok {
		t.Fatal("negative cached with NegativeTTL 0")
	}
	if _, ok := m.GetDir("b", ""); ok {
		t.Fatal("listing cached with ListTTL 0")
	}
}

func TestListingTTLAndStatFromListing(t *testing.T) {
	m, clock := newTestMeta(t, nil)
	l := mustListing(t, Entry{Name: "f", Size: 7, ETag: "e"}, Entry{Name: "sub", IsDir: true})
	m.PutDir("b", "d/", l)
	if got, ok := m.GetDir("b", "d/"); !ok || got != l {
		t.Fatal("listing not cached")
	}
	for key, want := range map[string]bool{"d/f": true, "d/sub/": true, "d/missing": false, "d/f/": false, "d/sub": false} {
		st, ok := m.GetStat("b", key)
		if !ok || st.Exists != want || !st.Listed {
			t.Errorf("GetStat(%q) from listing = %+v %v, want exists=%v, listed", key, st, ok, want)
		}
	}
	m.PutNegative("b", "d/probed")
	m.PutStat("b", "d/statted", Entry{Size: 1})
	for _, key := range []string{"d/probed", "d/statted"} {
		if st, ok := m.GetStat("b", key); !ok || st.Listed {
			t.Errorf("GetStat(%q) of the key's own entry = %+v %v, want not listed", key, st, ok)
		}
	}
	if st, _ := m.GetStat("b", "d/f"); st.Entry.Size != 7 || st.Entry.Name != "f" {
		t.Fatalf("entry from listing: %+v", st.Entry)
	}
	clock.Advance(20 * time.Second)
	if _, ok := m.GetDir("b", "d/"); ok {
		t.Fatal("listing served after ListTTL")
	}
	if _, ok := m.GetStat("b", "d/f"); ok {
		t.Fatal("stat answered from an expired listing")
	}
}

func TestListingsAreBoundedByCountAndBytes(t *testing.T) {
	m, _ := newTestMeta(t, func(c *MetaConfig) { c.MaxDirs = 3 })
	for i := range 4 {
		m.PutDir("b", fmt.Sprintf("d%d/", i), mustListing(t, Entry{Name: "x"}))
	}
	if _, ok := m.GetDir("b", "d0/"); ok {
		t.Fatal("oldest listing not evicted by MaxDirs")
	}
	if s := m.Stats(); s.Dirs != 3 {
		t.Fatalf("dirs = %d", s.Dirs)
	}

	small := mustListing(t, Entry{Name: "x"})
	big := mustListing(t, syntheticEntries(1000)...)
	m2, _ := newTestMeta(t, func(c *MetaConfig) { c.MaxListBytes = big.Bytes() + small.Bytes() })
	m2.PutDir("b", "a/", small)
	m2.PutDir("b", "b/", small)
	m2.PutDir("b", "c/", big) // evicts a/ only
	if _, ok := m2.GetDir("b", "a/"); ok {
		t.Fatal("byte budget not enforced")
	}
	if _, ok := m2.GetDir("b", "b/"); !ok {
		t.Fatal("evicted more than needed")
	}
	if s := m2.Stats(); s.DirBytes > big.Bytes()+small.Bytes() {
		t.Fatalf("dir bytes %d over budget", s.DirBytes)
	}
	m2.PutDir("b", "huge/", mustListing(t, syntheticEntries(3000)...))
	if _, ok := m2.GetDir("b", "huge/"); ok {
		t.Fatal("a listing larger than the whole budget was cached")
	}
}

func TestUpsertIsVisibleAtOnce(t *testing.T) {
	m, clock := newTestMeta(t, nil)
	m.PutDir("b", "", mustListing(t, Entry{Name: "top"}))
	m.PutDir("b", "a/", mustListing(t, Entry{Name: "old", Size: 1}))
	clock.Advance(5 * time.Second)
	m.PutNegative("b", "a/new")
	m.PutNegative("b", "a/x/")

	m.Upsert("b", "a/new", Entry{Name: "ignored", Size: 9, ETag: "n"})
	m.Upsert("b", "a/x/y/z", Entry{Size: 3})
	m.Upsert("b", "a/old", Entry{Size: 2})

	l, ok := m.GetDir("b", "a/")
	if !ok {
		t.Fatal("Upsert dropped the parent listing")
	}
	want := []Entry{{Name: "new", Size: 9, ETag: "n"}, {Name: "old", Size: 2}, {Name: "x", IsDir: true}}
	if got := collect(l); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listing after upserts = %+v, want %+v", got, want)
	}
	if st, ok := m.GetStat("b", "a/new"); !ok || !st.Exists || st.Entry.Size != 9 {
		t.Fatalf("stat after upsert: %+v %v", st, ok)
	}
	if st, ok := m.GetStat("b", "a/x/"); !ok || !st.Exists {
		t.Fatalf("negative entry of an implied directory survived: %+v %v", st, ok)
	}
	if root, _ := m.GetDir("b", ""); collect(root)[0] != (Entry{Name: "a", IsDir: true}) {
		t.Fatalf("implied directory missing from the root listing: %+v", collect(root))
	}
	clock.Advance(15 * time.Second) // 20 s since PutDir: an upsert does not extend the TTL
	if _, ok := m.GetDir("b", "a/"); ok {
		t.Fatal("Upsert extended the listing's TTL")
	}
}

func TestRemoveAndInvalidate(t *testing.T) {
	m, _ := newTestMeta(t, nil)
	m.PutDir("b", "a/", mustListing(t, Entry{Name: "f"}, Entry{Name: "g"}, Entry{Name: "s", IsDir: true}))
	m.PutDir("b", "a/s/", mustListing(t, Entry{Name: "inner"}))
	m.PutStat("b", "a/g", Entry{Size: 1})

	m.Remove("b", "a/f")
	l, ok := m.GetDir("b", "a/")
	if !ok || l.Len() != 2 {
		t.Fatalf("Remove: listing %v %v", collect(l), ok)
	}
	if st, ok := m.GetStat("b", "a/f"); !ok || st.Exists {
		t.Fatalf("removed key not negative: %+v %v", st, ok)
	}
	m.Remove("b", "a/s/")
	if _, ok := m.GetDir("b", "a/s/"); ok {
		t.Fatal("removed directory's own listing survived")
	}

	m.Invalidate("b", "a/g")
	if _, ok := m.GetStat("b", "a/g"); ok {
		t.Fatal("Invalidate kept the stat (or the parent listing answered)")
	}
	if _, ok := m.GetDir("b", "a/"); ok {
		t.Fatal("Invalidate kept the parent listing")
	}
}

func TestPutSinceRefusesResultsOlderThanAWrite(t *testing.T) {
	m, _ := newTestMeta(t, nil)
	tok := m.Begin()
	m.Upsert("b", "a/new", Entry{Size: 1}) // a write lands while the LIST is out
	stale := mustListing(t, Entry{Name: "old"})
	if m.PutDirSince(tok, "b", "a/", stale) {
		t.Fatal("a listing started before a write in its directory was cached")
	}
	if m.PutNegativeSince(tok, "b", "a/new") {
		t.Fatal("a negative lookup started before the write was cached")
	}
	if !m.PutDirSince(tok, "b", "other/", stale) {
		t.Fatal("an unrelated directory was refused")
	}
	if m.PutDirSince(tok, "b", "", stale) {
		t.Fatal("an ancestor listing started before the write was cached")
	}
	tok2 := m.Begin()
	if !m.PutDirSince(tok2, "b", "a/", stale) || !m.PutStatSince(tok2, "b", "a/x", Entry{}) {
		t.Fatal("results started after the write were refused")
	}
}

func TestPutSinceIsConservativeAfterForgetting(t *testing.T) {
	m, _ := newTestMeta(t, nil)
	tok := m.Begin()
	m.Upsert("b", "target/f", Entry{})
	for i := range mutationMemory + 10 { // push target/ out of the mutation memory
		m.Upsert("b", fmt.Sprintf("d%d/f", i), Entry{})
	}
	if m.PutDirSince(tok, "b", "target/", mustListing(t)) {
		t.Fatal("a forgotten mutation let a stale listing in")
	}
	if !m.PutDirSince(m.Begin(), "b", "target/", mustListing(t)) {
		t.Fatal("a fresh token was refused")
	}
}

func TestMetaConfigValidation(t *testing.T) {
	if _, err := NewMeta(MetaConfig{StatTTL: -1}); err == nil {
		t.Fatal("negative TTL accepted")
	}
	if _, err := NewMeta(MetaConfig{MaxDirs: -1}); err == nil {
		t.Fatal("negative MaxDirs accepted")
	}
	c := DefaultMetaConfig()
	if c.StatTTL != DefaultStatTTL || c.MaxStats != DefaultMaxStats || c.Validate() != nil {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestMetaConcurrentUse(t *testing.T) {
	m, clock := newTestMeta(t, func(c *MetaConfig) { c.MaxDirs, c.MaxStats = 8, 64 })
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 500 {
				dir := fmt.Sprintf("d%d/", (g+i)%10)
				key := fmt.Sprintf("%sf%d", dir, i%7)
				switch i % 6 {
				case 0:
					tok := m.Begin()
					m.PutDirSince(tok, "b", dir, mustListing(t, Entry{Name: "f1"}, Entry{Name: "f2"}))
				case 1:
					m.Upsert("b", key, Entry{Size: int64(i)})
				case 2:
					m.GetStat("b", key)
				case 3:
					if l, ok := m.GetDir("b", dir); ok {
						collect(l)
					}
				case 4:
					m.Remove("b", key)
				case 5:
					m.Invalidate("b", key)
					clock.Advance(time.Millisecond)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	s := m.Stats()
	if s.Dirs > 8 || s.Stats > 64 {
		t.Fatalf("bounds exceeded: %+v", s)
	}
}

func TestNilListingIsNotCached(t *testing.T) {
	m, _ := newTestMeta(t, nil)
	m.PutDir("b", "x/", nil)
	if _, ok := m.GetDir("b", "x/"); ok {
		t.Fatal("nil listing cached")
	}
}

func TestStoredTimes(t *testing.T) {
	m, clock := newTestMeta(t, nil)
	t0 := clock.Now()
	m.PutStat("b", "d/file", Entry{Size: 1, ETag: `"e"`})
	m.PutNegative("b", "d/none")
	clock.Advance(time.Second) // within NegativeTTL (2s)
	if st, ok := m.GetStat("b", "d/none"); !ok || st.Exists || !st.Stored.Equal(t0) {
		t.Errorf("negative stat %+v, want stored %v", st, t0)
	}
	clock.Advance(2 * time.Second)
	t1 := clock.Now()
	m.PutDir("b", "e/", mustListing(t, Entry{Name: "x", Size: 7}))
	clock.Advance(time.Second)

	if st, ok := m.GetStat("b", "d/file"); !ok || !st.Stored.Equal(t0) {
		t.Errorf("positive stat stored %v, want %v", st.Stored, t0)
	}
	if st, ok := m.GetStat("b", "e/x"); !ok || !st.Exists || !st.Stored.Equal(t1) {
		t.Errorf("stat from listing stored %v, want %v", st.Stored, t1)
	}
	l, at, ok := m.GetDirAt("b", "e/")
	if !ok || l.Len() != 1 || !at.Equal(t1) {
		t.Fatalf("GetDirAt = %v, %v, %v; want the listing stored at %v", l, at, ok, t1)
	}
	// An update through the mount keeps the listing's time (and expiry).
	m.Upsert("b", "e/y", Entry{Size: 3, ETag: `"y"`})
	if l, at, ok := m.GetDirAt("b", "e/"); !ok || l.Len() != 2 || !at.Equal(t1) {
		t.Fatalf("after Upsert GetDirAt = %d entries at %v, %v; want 2 at %v", l.Len(), at, ok, t1)
	}
	clock.Advance(19 * time.Second)
	if _, _, ok := m.GetDirAt("b", "e/"); ok {
		t.Fatal("listing served after its TTL")
	}
}

// TestStatKeepsLinkFlag: an upserted link is a link in its stat and in
// the cached listing of its directory.
func TestStatKeepsLinkFlag(t *testing.T) {
	m, _ := newTestMeta(t, nil)
	l, _ := NewListing(nil)
	m.PutDir("b", "a/", l)
	m.Upsert("b", "a/ln", Entry{Size: 4, IsLink: true})
	st, ok := m.GetStat("b", "a/ln")
	if !ok || !st.Exists || !st.Entry.IsLink {
		t.Fatalf("stat %+v, %v", st, ok)
	}
	d, ok := m.GetDir("b", "a/")
	if !ok {
		t.Fatal("listing dropped")
	}
	if e, found := d.Lookup("ln"); !found || !e.IsLink || e.Size != 4 {
		t.Fatalf("listed %+v, %v", e, found)
	}
}

// TestPeekDir: PeekDir answers like GetDir while the listing is fresh,
// counts nothing, and finds nothing once ListTTL has passed.
func TestPeekDir(t *testing.T) {
	clock := time.Unix(1700000000, 0)
	m, err := NewMeta(MetaConfig{StatTTL: time.Second, ListTTL: time.Minute, NegativeTTL: time.Second, Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewListing([]Entry{{Name: "a", ETag: `"e"`}})
	if err != nil {
		t.Fatal(err)
	}
	m.PutDir("b", "d/", l)
	if got, ok := m.PeekDir("b", "d/"); !ok || got != l {
		t.Fatalf("PeekDir of a fresh listing: %v, %v", got, ok)
	}
	if _, ok := m.PeekDir("b", "other/"); ok {
		t.Fatal("PeekDir of a directory never listed found one")
	}
	if s := m.Stats(); s.ListHits != 0 || s.ListMisses != 0 {
		t.Fatalf("PeekDir counted: %+v", s)
	}
	clock = clock.Add(time.Minute)
	if _, ok := m.PeekDir("b", "d/"); ok {
		t.Fatal("PeekDir found a listing older than ListTTL")
	}
}
