package writeback

import (
	"math/rand/v2"
	"testing"
)

// TestExtentsAgainstBitmap compares the interval set with a plain bitmap
// over random operations.
func TestExtentsAgainstBitmap(t *testing.T) {
	const n = 200
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var e extents
		var bits [n]bool
		for op := 0; op < 20; op++ {
			a, b := int64(r.IntN(n)), int64(r.IntN(n))
			if a > b {
				a, b = b, a
			}
			if r.IntN(5) == 0 {
				e = e.clip(b)
				for i := b; i < n; i++ {
					bits[i] = false
				}
				continue
			}
			e = e.add(a, b)
			for i := a; i < b; i++ {
				bits[i] = true
			}
		}
		for i := 1; i < len(e); i++ {
			if e[i-1].end >= e[i].start {
				t.Fatalf("spans not disjoint and separated: %v", e)
			}
		}
		for q := 0; q < 20; q++ {
			a, b := int64(r.IntN(n)), int64(r.IntN(n))
			if a > b {
				a, b = b, a
			}
			want := false
			for i := a; i < b; i++ {
				want = want || bits[i]
			}
			if got := e.overlaps(a, b); got != want {
				t.Fatalf("overlaps(%d,%d)=%v want %v in %v", a, b, got, want, e)
			}
			covered := make([]bool, n)
			for _, g := range e.gaps(a, b) {
				for i := g.start; i < g.end; i++ {
					covered[i] = true
				}
			}
			for i := a; i < b; i++ {
				if covered[i] == bits[i] {
					t.Fatalf("gaps(%d,%d) wrong at %d: %v in %v", a, b, i, e.gaps(a, b), e)
				}
			}
		}
	}
}
