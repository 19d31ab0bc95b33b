//go:build linux

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The differential tester: random operation sequences, each applied to the
// mount and to a local directory and compared call by call; then the whole
// trees are compared, and again after a remount (what S3 holds). Seeded and
// bounded for CI: OBJFS_DIFF_SEEDS (default 100) sequences of
// OBJFS_DIFF_OPS (default 200) operations from seed OBJFS_DIFF_BASE
// (default 1) on. A divergence is shrunk to a short reproduction, which is
// printed in the form diffRegressions takes: add it there once fixed.

// diffRegressions are reproductions the tester found, replayed first.
var diffRegressions = map[string][]dop{
	// A new directory got the inode number of the one renamed away from
	// its name: stat showed two directories as one file.
	"ino-reused-after-rename": {
		{Kind: "mkdir", Path: "d"},
		{Kind: "rename", Path: "d", To: "a"},
		{Kind: "mkdir", Path: "d"},
		{Kind: "sameino", Path: "d", To: "a"},
	},
}

// shrinkBudget bounds the time spent shrinking one divergence.
const shrinkBudget = 45 * time.Second

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// diffPair is one sequence's directory on the mount and its local twin.
type diffPair struct{ mnt, local string }

func newDiffPair(t *testing.T, m *Mount, local, name string) diffPair {
	t.Helper()
	p := diffPair{mnt: m.Path(name), local: filepath.Join(local, name)}
	for _, d := range []string{p.mnt, p.local} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatalf("mkdir %s: %v", d, err)
		}
	}
	return p
}

// divergence is where a sequence first answered differently.
type divergence struct {
	at        int // index of the operation
	got, want string
}

// run applies ops to both sides; it returns the first divergence, or nil.
// succeeded, when not nil, counts the operations that succeeded by kind.
func (p diffPair) run(ops []dop, succeeded map[string]int) *divergence {
	for i, o := range ops {
		got, want := applyOp(p.mnt, o), applyOp(p.local, o)
		if got != want {
			return &divergence{at: i, got: got, want: want}
		}
		if succeeded != nil && strings.HasPrefix(got, "ok") {
			succeeded[o.Kind]++
		}
	}
	return nil
}

// TestDifferential compares the mount with a local directory (see above).
func TestDifferential(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	local := t.TempDir()
	seeds, nops := envInt("OBJFS_DIFF_SEEDS", 100), envInt("OBJFS_DIFF_OPS", 200)
	base := uint64(envInt("OBJFS_DIFF_BASE", 1))

	shrinks := 0
	for name, ops := range diffRegressions {
		if d := newDiffPair(t, m, local, "r-"+name).run(ops, nil); d != nil {
			t.Errorf("regression %s: op %d %v: mount %q, local %q", name, d.at, ops[d.at], d.got, d.want)
		}
	}
	start, succeeded := time.Now(), map[string]int{}
	for i := range seeds {
		seed := base + uint64(i)
		ops := randomOps(seed, nops)
		d := newDiffPair(t, m, local, fmt.Sprintf("s%d", seed)).run(ops, succeeded)
		if d == nil {
			continue
		}
		t.Errorf("seed %d: op %d %v: mount %q, local %q", seed, d.at, ops[d.at], d.got, d.want)
		short := shrinkOps(t, m, local, &shrinks, ops[:d.at+1])
		t.Errorf("seed %d shrunk to %d operations; as a regression case:\n%s", seed, len(short), goLiteral(short))
	}
	t.Logf("%d sequences of %d operations in %v; succeeded on both sides: %v",
		seeds, nops, time.Since(start).Round(time.Millisecond), succeeded)

	want := mustTree(t, local)
	if got := mustTree(t, m.Dir); !slices.Equal(got, want) {
		t.Errorf("the mount's tree differs from the local one:\n%s", treeDiff(got, want))
	}
	if err := m.Unmount(); err != nil {
		t.Fatalf("unmount: %v", err)
	}
	again := mount(t, "s3://"+bucket)
	if got := mustTree(t, again.Dir); !slices.Equal(got, want) {
		t.Errorf("after a remount (what S3 holds) the tree differs from the local one:\n%s", treeDiff(got, want))
	}
}

// shrinkOps returns a shorter sequence that still diverges: it removes
// chunks of operations, halves first, then quarters, down to single
// operations (delta debugging), each candidate replayed in fresh
// directories and cut after its first divergence, within shrinkBudget.
func shrinkOps(t *testing.T, m *Mount, local string, n *int, ops []dop) []dop {
	deadline := time.Now().Add(shrinkBudget)
	for chunk := len(ops) / 2; chunk >= 1 && time.Now().Before(deadline); chunk /= 2 {
		for start := 0; start+chunk <= len(ops)-1 && time.Now().Before(deadline); {
			cand := slices.Delete(slices.Clone(ops), start, start+chunk)
			*n++
			if d := newDiffPair(t, m, local, fmt.Sprintf("shrink%d", *n)).run(cand, nil); d != nil {
				ops = cand[:d.at+1]
				continue // the same start, now over later operations
			}
			start += chunk
		}
	}
	return ops
}

// goLiteral prints ops as a diffRegressions entry.
func goLiteral(ops []dop) string {
	var b strings.Builder
	b.WriteString("\t\"NAME\": {\n")
	for _, o := range ops {
		fmt.Fprintf(&b, "\t\t{Kind: %q, Path: %q, To: %q, Off: %d, Size: %d, Data: %d}, // %v\n",
			o.Kind, o.Path, o.To, o.Off, o.Size, o.Data, o)
	}
	b.WriteString("\t},")
	return b.String()
}

func mustTree(t *testing.T, root string) []string {
	t.Helper()
	tree, err := diffTreeOf(root)
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return tree
}

// treeDiff lists the lines only one side has (at most 40).
func treeDiff(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, g := range got {
		if !slices.Contains(want, g) && n < 40 {
			fmt.Fprintf(&b, "  mount only: %s\n", g)
			n++
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) && n < 40 {
			fmt.Fprintf(&b, "  local only: %s\n", w)
			n++
		}
	}
	return b.String()
}
