package main

import "testing"

func TestGCPercent(t *testing.T) {
	for _, tt := range []struct {
		cache int64
		want  int
	}{
		{0, 100}, {8 << 20, 100}, {256 << 20, 4}, {1 << 30, 1}, {64 << 30, 1},
	} {
		if got := gcPercent(tt.cache); got != tt.want {
			t.Errorf("gcPercent(%d) = %d, want %d", tt.cache, got, tt.want)
		}
	}
}
