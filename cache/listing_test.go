package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewListingSortsAndMergesDuplicates(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123, time.UTC)
	l, err := NewListing([]Entry{
		{Name: "b", Size: 2, ETag: `"b1"`, MTime: t0},
		{Name: "a", IsDir: true},                      // prefix a/
		{Name: "a", Size: 5, ETag: `"shadowed"`},      // object a: the directory wins
		{Name: "c", IsDir: true, MTime: t0},           // marker c/
		{Name: "c", IsDir: true},                      // prefix c/: later wins
		{Name: "b", Size: 3, ETag: `"b2"`, MTime: t0}, // later file wins
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Name: "a", IsDir: true}, {Name: "b", Size: 3, ETag: `"b2"`, MTime: t0}, {Name: "c", IsDir: true}}
	if got := collect(l); !slices.Equal(got, want) {
		t.Fatalf("listing = %+v, want %+v", got, want)
	}
	if e, ok := l.Lookup("b"); !ok || e != want[1] {
		t.Fatalf("Lookup(b) = %+v %v", e, ok)
	}
	for _, missing := range []string{"", "0", "aa", "bb", "d"} {
		if _, ok := l.Lookup(missing); ok {
			t.Fatalf("Lookup(%q) found something", missing)
		}
	}
}

func collect(l *Listing) []Entry {
	var out []Entry
	for _, e := range l.All() {
		out = append(out, e)
	}
	return out
}

// TestListingSpliceMatchesReference applies random upserts and removes to a
// listing and to a plain sorted slice and compares them after each step.
func TestListingSpliceMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ref := map[string]Entry{}
	l, _ := NewListing(nil)
	for step := range 800 {
		name := fmt.Sprintf("n%03d%s", rng.IntN(80), strings.Repeat("x", rng.IntN(4)))
		isDir := rng.IntN(3) == 0
		if rng.IntN(3) == 0 {
			l = l.remove(name, isDir)
			if cur, ok := ref[name]; ok && cur.IsDir == isDir {
				delete(ref, name)
			}
		} else {
			e := Entry{Name: name, IsDir: isDir, Size: rng.Int64N(1 << 40), ETag: fmt.Sprint(rng.IntN(1e6))}
			e.IsLink = !isDir && rng.IntN(3) == 0 // the link bit moves with its entry
			if rng.IntN(2) == 0 {
				e.MTime = time.Unix(rng.Int64N(1<<32), rng.Int64N(1e9)).UTC()
			}
			var err error
			if l, err = l.upsert(e); err != nil {
				t.Fatal(err)
			}
			if cur, ok := ref[name]; !ok || !cur.IsDir || e.IsDir {
				ref[name] = e
			}
		}
		want := slices.SortedFunc(func(yield func(Entry) bool) {
			for _, e := range ref {
				if !yield(e) {
					return
				}
			}
		}, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
		if got := collect(l); !slices.Equal(got, want) {
			t.Fatalf("step %d: listing diverged from reference\n got %v\nwant %v", step, got, want)
		}
	}
}

// TestListingBytesPerEntry measures the heap a 100,000-entry listing
// really takes (runtime.MemStats around its construction, after GC) and
// checks Bytes() agrees with it.
func TestListingBytesPerEntry(t *testing.T) {
	const n = 100_000
	entries := syntheticEntries(n)
	before := heapAfterGC()
	l, err := NewListing(entries)
	if err != nil {
		t.Fatal(err)
	}
	after := heapAfterGC()
	measured := float64(after-before) / n
	payload := 0
	for _, e := range entries {
		payload += len(e.Name) + len(e.ETag)
	}
	entriesBytes := float64(n*int(sizeofEntry)+payload) / n
	t.Logf("100k-entry listing: %.1f B/entry measured on the heap, Bytes() says %.1f; names+ETags alone are %.1f B/entry; as []Entry it would be %.1f B/entry",
		measured, float64(l.Bytes())/n, float64(payload)/n, entriesBytes)
	if overhead := measured - float64(payload)/n; overhead > 26 {
		t.Fatalf("per-entry overhead beyond names and ETags is %.1f B, want <= 26", overhead)
	}
	if rel := float64(l.Bytes()) / float64(after-before); rel < 0.9 || rel > 1.1 {
		t.Fatalf("Bytes() = %d is off from the measured %d", l.Bytes(), after-before)
	}
	if e, ok := l.Lookup(entries[n/2].Name); !ok || e != entries[n/2] {
		t.Fatal("lookup in the big listing failed")
	}
}

// syntheticEntries looks like a training data set directory: zero-padded
// file names and S3 MD5 ETags.
func syntheticEntries(n int) []Entry {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{
			Name:  fmt.Sprintf("shard-%07d.tar", i),
			Size:  int64(i) * 4096,
			MTime: t0.Add(time.Duration(i) * time.Second),
			ETag:  fmt.Sprintf(`"%032x"`, uint64(i)*0x9e3779b97f4a7c15),
		}
	}
	return out
}
