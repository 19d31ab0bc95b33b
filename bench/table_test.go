//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestTableOrderAndPeers: rows sort by workload number (10 after 9, 1b
// after 1), and each peer gets a column holding its figure or n/a.
func TestTableOrderAndPeers(t *testing.T) {
	rows := []row{
		{workload: "10. four readers", unit: "MB/s", objfs: 300, raw: 400, peers: map[string]float64{"rclone": 250}},
		{workload: "9. first byte", unit: "ms", objfs: 5, raw: 2, lowerBetter: true},
		{workload: "1b. cpu", unit: "s", objfs: 1, raw: 1},
		{workload: "1. cold", unit: "MB/s", objfs: 500, raw: 1000, peers: map[string]float64{"rclone": 450, "s3fs": 400}},
	}
	var b strings.Builder
	printTable(&b, "header", rows, []string{"rclone", "s3fs"})
	out := b.String()
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, "|"); len(f) > 2 && strings.Contains(f[1], ".") {
			order = append(order, strings.Fields(f[1])[0])
		}
	}
	if got := strings.Join(order, " "); got != "1. 1b. 9. 10." {
		t.Errorf("order %q, want 1. 1b. 9. 10.", got)
	}
	if !strings.Contains(out, "| rclone | s3fs |") {
		t.Errorf("no peer columns:\n%s", out)
	}
	for _, want := range []string{"| 450    | 400  |", "| 250    | n/a  |", "| n/a    | n/a  |", "| 0.50x |", "| 0.40x |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
