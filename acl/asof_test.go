package acl

import (
	"testing"
	"time"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"72h":                         now.Add(-72 * time.Hour),
		" 90m ":                       now.Add(-90 * time.Minute),
		"0s":                          now,
		"2026-11-30T12:00:00Z":        time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		"2026-11-30T13:00:00.5+01:00": time.Date(2026, 11, 30, 12, 0, 0, 5e8, time.UTC),
		"2026-12-06T09:00:00Z":        now,
	} {
		got, err := ParseAsOf(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseAsOf(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1h", "yesterday", "2026-11-30", "2026-12-06T09:00:01Z"} {
		if got, err := ParseAsOf(in, now); err == nil {
			t.Errorf("ParseAsOf(%q) = %v, want an error", in, got)
		}
	}
}
