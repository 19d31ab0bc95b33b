package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// RetryConfig configures WithRetry. Zero fields take the defaults below.
type RetryConfig struct {
	// MaxAttempts counts every attempt, the first included. Default 5.
	MaxAttempts int
	// UnreachableFor keeps retrying an endpoint that cannot be reached
	// (ErrUnreachable: connection refused, no route, unknown host) past
	// MaxAttempts until this much backoff has been slept, so that a
	// server restarting for a few seconds is waited for. Such attempts
	// fail fast, so the backoff is nearly all the time spent. Default 0:
	// MaxAttempts alone.
	UnreachableFor time.Duration
	// BaseDelay is the backoff cap before the second attempt; it doubles
	// per attempt up to MaxDelay. Defaults 100ms and 5s.
	BaseDelay, MaxDelay time.Duration
	// Sleep waits d or until ctx is done (returning ctx.Err()). Tests
	// inject a fake; default is a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for jitter; default math/rand/v2.
	Rand func() float64
	// Logger receives one debug line per retry; default discards.
	Logger *slog.Logger
}

// Defaults for RetryConfig.
const (
	DefaultMaxAttempts = 5
	DefaultBaseDelay   = 100 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
)

// WithDefaults returns c with every unset field given its default.
func (c RetryConfig) WithDefaults() RetryConfig {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.BaseDelay == 0 {
		c.BaseDelay = DefaultBaseDelay
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports settings that cannot work (negative values, a base
// delay above the maximum).
func (c RetryConfig) Validate() error {
	var errs []error
	if c.UnreachableFor < 0 {
		errs = append(errs, fmt.Errorf("retry config: UnreachableFor %v is negative", c.UnreachableFor))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("retry config: MaxAttempts %d is negative", c.MaxAttempts))
	}
	if c.BaseDelay < 0 || c.MaxDelay < 0 {
		errs = append(errs, fmt.Errorf("retry config: delays %v, %v must not be negative", c.BaseDelay, c.MaxDelay))
	}
	if c.BaseDelay > 0 && c.MaxDelay > 0 && c.BaseDelay > c.MaxDelay {
		errs = append(errs, fmt.Errorf("retry config: BaseDelay %v exceeds MaxDelay %v", c.BaseDelay, c.MaxDelay))
	}
	return errors.Join(errs...)
}

// waitForEndpoint reports whether err, after attempts ran out, is an
// unreachable endpoint still within UnreachableFor of backoff (waited).
func (c RetryConfig) waitForEndpoint(err error, waited time.Duration) bool {
	return waited < c.UnreachableFor && errors.Is(err, ErrUnreachable)
}

// backoff returns the wait before attempt+1 (attempt counts from 1): full
// jitter, uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))).
func (c RetryConfig) backoff(attempt int) time.Duration {
	limit := c.BaseDelay
	for i := 1; i < attempt && limit < c.MaxDelay; i++ {
		limit *= 2
	}
	limit = min(limit, c.MaxDelay)
	return time.Duration(c.Rand() * float64(limit))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
