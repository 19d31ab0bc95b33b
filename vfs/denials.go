package vfs

import (
	"log/slog"
	"sync"
	"time"
)

// denialLog logs a connector's denials at info, rate-limited: the first
// denial of an operation on a path is one line at once; the same denial
// again within denialWindow is only counted, and the next line for it
// (the first after the window) carries how many there were since the
// previous one ("count"). Close logs the counts not reported yet. The
// map is bounded: when full, entries whose window is over are dropped
// (their counts logged), and if none is, the denial is logged unlimited.
type denialLog struct {
	log   *slog.Logger // names the connector (New adds it)
	clock func() time.Time

	mu   sync.Mutex
	seen map[denialKey]*denialCount // guarded by mu
}

type denialKey struct{ op, path string }

type denialCount struct {
	since  time.Time // when the last line for this key was logged
	errno  string
	rule   string
	hidden int // denials since then, not logged
}

const (
	denialWindow  = time.Minute
	denialMaxKeys = 4096
)

func newDenialLog(log *slog.Logger, clock func() time.Time) *denialLog {
	return &denialLog{log: log, clock: clock, seen: map[denialKey]*denialCount{}}
}

// note records one denial of op on path (s3://BUCKET/KEY), logging it
// unless the same one was logged less than denialWindow ago.
func (d *denialLog) note(op, path, errno, rule string) {
	now := d.clock()
	k := denialKey{op, path}
	d.mu.Lock()
	c, ok := d.seen[k]
	switch {
	case ok && now.Sub(c.since) < denialWindow:
		c.hidden++
		d.mu.Unlock()
		return
	case ok:
		n := c.hidden + 1
		c.since, c.hidden, c.errno, c.rule = now, 0, errno, rule
		d.mu.Unlock()
		d.line(op, path, errno, rule, n)
		return
	}
	if len(d.seen) >= denialMaxKeys {
		d.pruneLocked(now)
	}
	if len(d.seen) < denialMaxKeys {
		d.seen[k] = &denialCount{since: now, errno: errno, rule: rule}
	}
	d.mu.Unlock()
	d.line(op, path, errno, rule, 1)
}

// pruneLocked drops the entries whose window is over, logging what they
// counted. Called with mu held (logging under it is fine: the logger
// never calls back).
func (d *denialLog) pruneLocked(now time.Time) {
	for k, c := range d.seen {
		if now.Sub(c.since) >= denialWindow {
			if c.hidden > 0 {
				d.line(k.op, k.path, c.errno, c.rule, c.hidden)
			}
			delete(d.seen, k)
		}
	}
}

// flush logs the counts not reported yet (at Close).
func (d *denialLog) flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, c := range d.seen {
		if c.hidden > 0 {
			d.line(k.op, k.path, c.errno, c.rule, c.hidden)
		}
	}
	d.seen = map[denialKey]*denialCount{}
}

func (d *denialLog) line(op, path, errno, rule string, count int) {
	args := []any{"op", op, "path", path, "errno", errno, "count", count}
	if rule != "" {
		args = append(args, "rule", rule)
	}
	d.log.Info("denied by connector", args...)
}
