package main

import (
	"math"
	"testing"
)

func TestGCSettings(t *testing.T) {
	const cache = 256 << 20
	for _, tt := range []struct {
		cache, live int64
		pct         int
		limit       int64
	}{
		{0, 0, 100, math.MaxInt64},
		{cache, 0, 100, cache + gcBase},         // small heap: collect rarely, under a cap
		{cache, 100 << 20, 100, cache + gcBase}, //
		{cache, 200 << 20, 100, cache + gcBase}, //
		{cache, 270 << 20, 4, math.MaxInt64},    // large: 12 MiB of slack, no limit
		{cache, 600 << 20, 2, math.MaxInt64},    //
		{64 << 30, 65 << 30, 1, math.MaxInt64},  // at least 1%
	} {
		if pct, limit := gcSettings(tt.cache, tt.live); pct != tt.pct || limit != tt.limit {
			t.Errorf("gcSettings(%d, %d) = %d, %d; want %d, %d", tt.cache, tt.live, pct, limit, tt.pct, tt.limit)
		}
	}
}
