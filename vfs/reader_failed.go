package vfs

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/objfs/objfs/remote"
)

// refetchAfter is how long a reader answers a read of a block whose fetch
// S3 left unanswered with the same error, without asking again.
const refetchAfter = 5 * time.Second

// slowFailure is how long a failed fetch must have waited to be
// remembered: a quick failure is simply tried again by the next read.
const slowFailure = 10 * time.Second

// failedFetch remembers a reader's last block fetch that waited at least
// slowFailure for S3 and failed without an answer (timeouts, retries
// exhausted). When a read fails, the kernel at once reads the same pages
// again (a failed readahead is retried as a synchronous read), and with a
// frozen server that second read would wait as long as the first (two
// minutes, the fetch timeout): a read of that block within refetchAfter
// fails at once with the same error instead. Other failures (a changed
// object, access denied) are not remembered.
type failedFetch struct {
	last atomic.Pointer[failure] // nil until a fetch is remembered
}

// failure is one remembered fetch: block index failed with err at at.
type failure struct {
	index int64
	at    time.Time
	err   error
}

// check returns the remembered error if block index failed within
// refetchAfter of now, else nil. It takes no lock: every read of every
// block asks.
func (f *failedFetch) check(index int64, now time.Time) error {
	if p := f.last.Load(); p != nil && p.index == index && now.Sub(p.at) < refetchAfter {
		return p.err
	}
	return nil
}

// record remembers err for block index if S3 left the fetch, which
// started at start, unanswered for at least slowFailure.
func (f *failedFetch) record(index int64, start, now time.Time, err error) {
	if unanswered(err) && now.Sub(start) >= slowFailure {
		f.last.Store(&failure{index: index, at: now, err: err})
	}
}

// unanswered reports whether err means S3 gave no answer in time.
func unanswered(err error) bool {
	return errors.Is(err, remote.ErrTransient) || errors.Is(err, remote.ErrUnreachable) ||
		errors.Is(err, context.DeadlineExceeded)
}
