package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

// The bounds of waiting for S3, shared by plain and connectors mounts.
const (
	flagRequestTimeout = "request-timeout"
	flagRetryBudget    = "retry-budget"
)

// unreachableWait is how long a mount keeps retrying an endpoint that
// refuses connections before the call fails: a MinIO or gateway restart
// takes a few seconds. Capped by --retry-budget.
const unreachableWait = 10 * time.Second

func netFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: flagRequestTimeout, Category: catS3, Value: remote.DefaultRequestTimeout,
			Usage: "how long (a `DURATION` such as 10s) one request may wait for its answer (server-side copies: three times it without a sign of work, at most 10 min) or a transfer may stall before it is sent again"},
		&cli.DurationFlag{Name: flagRetryBudget, Category: catS3, Value: remote.DefaultRetryBudget,
			Usage: "how long (a `DURATION` such as 20s) one S3 call keeps retrying; a server silent this long fails calls at once (EIO) until it answers again"},
	}
}

// netPolicy is what the two flags set.
type netPolicy struct {
	requestTimeout, retryBudget time.Duration
}

// netPolicyOf reads and checks the flags.
func netPolicyOf(c *cli.Context) (netPolicy, error) {
	p := netPolicy{requestTimeout: c.Duration(flagRequestTimeout), retryBudget: c.Duration(flagRetryBudget)}
	if p.requestTimeout <= 0 || p.retryBudget <= 0 {
		return p, fmt.Errorf("--%s and --%s must be positive", flagRequestTimeout, flagRetryBudget)
	}
	if p.retryBudget < p.requestTimeout {
		return p, fmt.Errorf("--%s %v is shorter than --%s %v: no request could be retried",
			flagRetryBudget, p.retryBudget, flagRequestTimeout, p.requestTimeout)
	}
	return p, nil
}

// retry is the retry policy of an S3 client made with cfg: its logger,
// and whether its writes get ETags the lost-answer check can predict.
func (p netPolicy) retry(cfg remote.S3Config) remote.RetryConfig {
	return remote.RetryConfig{Logger: cfg.Logger, Budget: p.retryBudget, UnreachableFor: min(unreachableWait, p.retryBudget),
		ProbeInterval: min(remote.DefaultProbeInterval, p.requestTimeout), ProbeTimeout: p.requestTimeout,
		ETagsNotMD5: !cfg.ETagsAreMD5()}
}
