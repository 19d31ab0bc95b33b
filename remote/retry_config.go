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
//
// The policy is the AWS SDKs' "standard" retry mode sized for S3
// throttling and bounded in time: exponential backoff from BaseDelay,
// doubling up to MaxDelay, with jitter over the upper half of each step
// (so that the waits add up to at least half their caps: five retries
// span more than 3 s, a throttling burst of that length is ridden out),
// at most MaxAttempts attempts, and no attempt started once Budget has
// passed since the call began. A server that has not answered any
// request for Budget is taken to be frozen: calls then fail at once
// instead of waiting (see WithRetry).
type RetryConfig struct {
	// MaxAttempts counts every attempt, the first included. Default 10.
	MaxAttempts int
	// Budget bounds the time one call spends retrying: no attempt starts
	// once Budget has passed since the call began (the last attempt may
	// still run to its own deadline). It is also how long a server may
	// stay silent (no answer to any request) before calls stop waiting
	// for it. Default 20s.
	Budget time.Duration
	// ProbeInterval spaces the calls still sent to a server taken to be
	// frozen, to notice when it answers again: one at a time, the next
	// at least ProbeInterval after the last one ended; every other call
	// fails at once. Default 5s.
	ProbeInterval time.Duration
	// ProbeTimeout bounds a probe of a silent server, but for Get, Put
	// and UploadPart, whose own stall timers bound them. Default 10s (the
	// S3 client's default RequestTimeout).
	ProbeTimeout time.Duration
	// UnreachableFor keeps retrying an endpoint that cannot be reached
	// (ErrUnreachable: connection refused, no route, unknown host) past
	// MaxAttempts until this much backoff has been slept, so that a
	// server restarting for a few seconds is waited for. Such attempts
	// fail fast, so the backoff is nearly all the time spent. It must
	// not exceed Budget, which still bounds the call. Default 0:
	// MaxAttempts alone.
	UnreachableFor time.Duration
	// BaseDelay is the backoff cap before the second attempt; it doubles
	// per attempt up to MaxDelay. Defaults 200ms and 5s.
	BaseDelay, MaxDelay time.Duration
	// Sleep waits d or until ctx is done (returning ctx.Err()). Tests
	// inject a fake; default is a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock the budget is measured with; default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for jitter; default math/rand/v2.
	Rand func() float64
	// Logger receives one debug line per retry or resumed read, a
	// warning when the server falls silent and when it answers again,
	// and an info line for a write found landed; default discards.
	Logger *slog.Logger
	// ETagsNotMD5 says that the client writes objects whose ETags are not
	// the MD5 of their bytes (SSE-KMS, SSE-C: !S3Config.ETagsAreMD5), so
	// a retried write refused by its own lost earlier attempt cannot be
	// recognised (retry_landed.go): the refusal stands.
	ETagsNotMD5 bool
}

// Defaults for RetryConfig.
const (
	DefaultMaxAttempts   = 10
	DefaultRetryBudget   = 20 * time.Second
	DefaultProbeInterval = 5 * time.Second
	DefaultProbeTimeout  = 10 * time.Second
	DefaultBaseDelay     = 200 * time.Millisecond
	DefaultMaxDelay      = 5 * time.Second
)

// WithDefaults returns c with every unset field given its default.
func (c RetryConfig) WithDefaults() RetryConfig {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Budget == 0 {
		c.Budget = DefaultRetryBudget
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = DefaultProbeInterval
	}
	if c.Now == nil {
		c.Now = time.Now
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
	if c.Budget < 0 || c.ProbeInterval < 0 || c.ProbeTimeout < 0 {
		errs = append(errs, fmt.Errorf("retry config: Budget %v, ProbeInterval %v and ProbeTimeout %v must not be negative", c.Budget, c.ProbeInterval, c.ProbeTimeout))
	}
	if budget := c.WithDefaults().Budget; c.UnreachableFor > budget {
		errs = append(errs, fmt.Errorf("retry config: UnreachableFor %v exceeds the retry budget %v", c.UnreachableFor, budget))
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

// backoff returns the wait before attempt+1 (attempt counts from 1):
// jitter over the upper half of the step, uniform in [cap/2, cap) where
// cap = min(MaxDelay, BaseDelay·2^(attempt-1)). Full jitter ([0, cap))
// spreads retries as well but can retry a throttled server at once, five
// times in a row; half the cap guarantees the waits span the burst.
func (c RetryConfig) backoff(attempt int) time.Duration {
	limit := c.BaseDelay
	for i := 1; i < attempt && limit < c.MaxDelay; i++ {
		limit *= 2
	}
	limit = min(limit, c.MaxDelay)
	return limit/2 + time.Duration(c.Rand()*float64(limit/2))
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
