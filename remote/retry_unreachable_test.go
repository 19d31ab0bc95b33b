package remote_test

import (
	"errors"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// TestRetryWaitsForUnreachableEndpoint: with UnreachableFor, an endpoint
// that refuses connections (a server restarting) is tried past
// MaxAttempts until that much backoff was slept; other retryable errors
// still stop at MaxAttempts.
func TestRetryWaitsForUnreachableEndpoint(t *testing.T) {
	cfg := remote.RetryConfig{MaxAttempts: 5, UnreachableFor: 10 * time.Second, Rand: func() float64 { return 0.5 }}

	f, counted, c, _ := retryFixture(t, cfg)
	f.FailNext(remote.OpHead, remote.ErrUnreachable, 6) // back on the seventh attempt, past MaxAttempts
	if _, err := c.Head(t.Context(), "bkt", "k"); err != nil {
		t.Fatalf("Head across a restart: %v", err)
	}
	if n := counted.Count(remote.OpHead); n != 7 {
		t.Errorf("%d attempts, want 7", n)
	}

	f, _, c, s := retryFixture(t, cfg)
	f.FailNext(remote.OpHead, remote.ErrUnreachable, 1000)
	_, err := c.Head(t.Context(), "bkt", "k")
	if !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("endpoint that never comes back: %v, want ErrUnreachable", err)
	}
	var slept time.Duration
	for _, d := range s.delays {
		slept += d
	}
	if slept < cfg.UnreachableFor || slept >= cfg.UnreachableFor+remote.DefaultMaxDelay {
		t.Errorf("slept %v over %d backoffs, want at least %v and less than %v more", slept, len(s.delays), cfg.UnreachableFor, remote.DefaultMaxDelay)
	}

	f, counted, c, _ = retryFixture(t, cfg)
	f.FailNext(remote.OpHead, remote.ErrTransient, 1000)
	if _, err := c.Head(t.Context(), "bkt", "k"); !errors.Is(err, remote.ErrTransient) || counted.Count(remote.OpHead) != int64(cfg.MaxAttempts) {
		t.Errorf("transient failures: %v after %d attempts, want %d", err, counted.Count(remote.OpHead), cfg.MaxAttempts)
	}
}
