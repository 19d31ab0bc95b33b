package acl

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseAsOf reads the point in time of an as-of view, as --as-of, -o
// as_of= and a connector's as_of: spell it: an RFC 3339 time
// ("2026-11-30T12:00:00Z", fractions allowed) or a duration back from now
// ("72h", "90m"). The time must not be after now: a view of the future
// would still change.
func ParseAsOf(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("as-of: empty; want an RFC 3339 time such as 2026-11-30T12:00:00Z or a duration back from now such as 72h")
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("as-of %q: a duration back from now must not be negative", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("as-of %q: want an RFC 3339 time such as 2026-11-30T12:00:00Z or a duration back from now such as 72h", s)
	}
	if t.After(now) {
		return time.Time{}, fmt.Errorf("as-of %q: is in the future (now is %s)", s, now.UTC().Format(time.RFC3339))
	}
	return t, nil
}
