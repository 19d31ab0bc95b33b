//go:build linux

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// row is one line of the table: objfs's figure for a workload, the raw
// SDK figure for the same work, and the goal.
type row struct {
	workload string
	unit     string
	objfs    float64 // NaN: not measured (see note)
	raw      float64 // NaN: no raw counterpart
	// lowerBetter: the ratio is raw/objfs, so above 1 is still "objfs
	// does better" (seconds, latency).
	lowerBetter bool
	goal        string
	met         string // "yes", "no" or ""
	note        string
	// peers holds the figures of the peers (-peers) for the same work,
	// by name; a peer absent was not run on it.
	peers map[string]float64
}

var na = math.NaN()

// ratio is objfs relative to raw, oriented so that 1.0 is parity and
// higher is better for objfs.
func (r row) ratio() float64 {
	if math.IsNaN(r.objfs) || math.IsNaN(r.raw) || r.objfs == 0 || r.raw == 0 {
		return na
	}
	if r.lowerBetter {
		return r.raw / r.objfs
	}
	return r.objfs / r.raw
}

func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 0.1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.4f", v)
	}
}

// printTable writes rows as a Markdown table, with a column per peer.
func printTable(w io.Writer, header string, rows []row, peers []string) {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b row) int { // by workload number
		return cmpWorkload(a.workload, b.workload)
	})
	fmt.Fprintln(w, header)
	fmt.Fprintln(w)
	cols := []string{"workload", "unit", "objfs", "raw SDK", "ratio"}
	cols = append(append(cols, peers...), "goal", "met", "note")
	lines := [][]string{cols}
	for _, r := range rows {
		ratio := fmtNum(r.ratio())
		if ratio != "n/a" {
			ratio += "x"
		}
		l := []string{r.workload, r.unit, fmtNum(r.objfs), fmtNum(r.raw), ratio}
		for _, p := range peers {
			v, ok := r.peers[p]
			if !ok {
				v = na
			}
			l = append(l, fmtNum(v))
		}
		lines = append(lines, append(l, r.goal, r.met, r.note))
	}
	widths := make([]int, len(cols))
	for _, l := range lines {
		for i, c := range l {
			widths[i] = max(widths[i], len(c))
		}
	}
	for i, l := range lines {
		var b strings.Builder
		b.WriteString("|")
		for j, c := range l {
			fmt.Fprintf(&b, " %-*s |", widths[j], c)
		}
		fmt.Fprintln(w, b.String())
		if i == 0 {
			b.Reset()
			b.WriteString("|")
			for _, wd := range widths {
				b.WriteString(strings.Repeat("-", wd+2) + "|")
			}
			fmt.Fprintln(w, b.String())
		}
	}
}

// judge sets met from whether ok holds.
func judge(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// cmpWorkload orders workloads by their number ("3b." after "3a.",
// "10." after "9.").
func cmpWorkload(a, b string) int {
	na, _, _ := strings.Cut(a, " ")
	nb, _, _ := strings.Cut(b, " ")
	var ia, ib int
	var sa, sb string
	fmt.Sscanf(na, "%d%s", &ia, &sa)
	fmt.Sscanf(nb, "%d%s", &ib, &sb)
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(sa, sb)
}

// setPeer records peer's figure v on the row of workload and unit.
func (r *runner) setPeer(workload, unit, peer string, v float64) {
	for i := range r.rows {
		if r.rows[i].workload == workload && r.rows[i].unit == unit {
			if r.rows[i].peers == nil {
				r.rows[i].peers = map[string]float64{}
			}
			r.rows[i].peers[peer] = v
			return
		}
	}
	logf("no row %q (%s) for %s's figure", workload, unit, peer)
}
