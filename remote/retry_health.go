package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// health notices a server that has stopped answering: frozen (SIGSTOP, a
// hung process, a black-holed link), it accepts connections and never
// answers, so every request waits out its deadline. Each call would then
// spend its whole retry budget, and a system call that makes several
// calls one after another (stat, mkdir, rename, a commit and its abort)
// the sum of theirs, while other calls queue behind it. Once no request
// has had an answer for the budget, retrying has already failed for every
// call that was waiting, so calls fail at once instead, except one at a
// time, at most one per ProbeInterval, which is sent to notice the server
// answering again. Any answer, an error response included, ends it.
//
// An attempt is silent when it ended by its own deadline without an answer
// (ErrNoAnswer); an answer is a success or an error the server sent
// (anything with an HTTP status, or a permanent class). Refused
// connections and resets are neither: UnreachableFor governs the first,
// and a reset comes from a live peer or a dead one.
type health struct {
	mu          sync.Mutex
	lastAnswer  time.Time // end of the last answered attempt
	silentSince time.Time // start of the first silent attempt since; zero while answering
	probing     bool      // a probe is in flight
	probeEnded  time.Time // when the last probe ended
	opened      bool      // calls are failing at once (logged once)
}

// admit decides whether a call may send an attempt now. probe is true
// when the attempt is the one probe of a frozen server (done must then be
// called); silent is not nil when the call must fail without sending.
func (h *health) admit(now time.Time, cfg RetryConfig) (probe bool, silent error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	silentFor, ok := h.silence(now, cfg.Budget)
	if !ok {
		return false, nil
	}
	if !h.opened {
		h.opened = true
		cfg.Logger.Warn("the storage server has answered no request; calls fail at once (EIO) until it answers again",
			"silent_for", silentFor, "retry_budget", cfg.Budget, "probe_every", cfg.ProbeInterval)
	}
	if !h.probing && now.Sub(h.probeEnded) >= cfg.ProbeInterval {
		h.probing = true
		return true, nil
	}
	return false, fmt.Errorf("not sent: the server has answered no request for %v (retry budget %v); one request at a time still goes to it",
		silentFor, cfg.Budget)
}

// silence returns, rounded to the second, how long the server has
// answered nothing, and whether that is the budget or more. h.mu is held.
func (h *health) silence(now time.Time, budget time.Duration) (time.Duration, bool) {
	if h.silentSince.IsZero() || now.Sub(h.silentSince) < budget {
		return 0, false
	}
	return now.Sub(h.silentSince).Round(time.Second), true
}

// frozen returns an error when the server has answered nothing for the
// budget: a failed call then gives up instead of backing off to retry.
func (h *health) frozen(now time.Time, cfg RetryConfig) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	silentFor, ok := h.silence(now, cfg.Budget)
	if !ok {
		return nil
	}
	return fmt.Errorf("the server has answered no request for %v (retry budget %v)", silentFor, cfg.Budget)
}

// done ends a probe admitted by admit.
func (h *health) done(probe bool, now time.Time) {
	if !probe {
		return
	}
	h.mu.Lock()
	h.probing = false
	h.probeEnded = now
	h.mu.Unlock()
}

// record notes how an attempt sent at start and ended at end went; ctx is
// the caller's, whose own end says nothing about the server.
func (h *health) record(start, end time.Time, err error, ctx context.Context, log *slog.Logger) {
	answered := answered(err)
	silent := !answered && errors.Is(err, ErrNoAnswer) && ctx.Err() == nil
	if !answered && !silent {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if answered {
		if end.After(h.lastAnswer) {
			h.lastAnswer = end
		}
		if h.opened {
			h.opened = false
			log.Warn("the storage server answers again", "silent_for", end.Sub(h.silentSince).Round(time.Second))
		}
		h.silentSince = time.Time{}
		return
	}
	if h.silentSince.IsZero() {
		// Silent since the attempt was sent, or since the last answer
		// if one came while it waited.
		h.silentSince = start
		if h.lastAnswer.After(start) {
			h.silentSince = h.lastAnswer
		}
		// A server-side copy that showed signs of work (bytes of its
		// answer, answers to probes) was silent only since the last.
		var e *Error
		if errors.As(err, &e) && e.heard.After(h.silentSince) {
			h.silentSince = e.heard
		}
	}
}

// answered reports whether err (nil included) shows that the server
// answered: an error response, or a permanent class only an answer gives.
func answered(err error) bool {
	if err == nil {
		return true
	}
	if hasStatus(err) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A permanent class without a status: the Fake's answers. An invalid
	// argument can be refused before sending, so it proves nothing.
	var e *Error
	return !IsRetryable(err) && errors.As(err, &e) && e.Kind != nil && !errors.Is(err, ErrInvalidArgument)
}

// hasStatus reports whether an *Error with an HTTP status is anywhere in
// err's tree (a decorator may have wrapped the one S3 returned).
func hasStatus(err error) bool {
	if e, ok := err.(*Error); ok && e.Status != 0 {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if w := u.Unwrap(); w != nil {
			return hasStatus(w)
		}
	case interface{ Unwrap() []error }:
		for _, w := range u.Unwrap() {
			if hasStatus(w) {
				return true
			}
		}
	}
	return false
}
