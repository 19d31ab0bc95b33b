package main

import (
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

// TestNetPolicy: the defaults are the remote package's; the flags reach
// the S3 config and the retry policy; a budget shorter than one request
// is refused; the restart wait never exceeds the budget.
func TestNetPolicy(t *testing.T) {
	withMountFlags(t, nil, func(c *cli.Context) {
		p, err := netPolicyOf(c)
		if err != nil || p.requestTimeout != remote.DefaultRequestTimeout || p.retryBudget != remote.DefaultRetryBudget {
			t.Fatalf("defaults %+v, %v", p, err)
		}
		if rc := p.retry(remote.S3Config{}); rc.UnreachableFor != unreachableWait || rc.ETagsNotMD5 || rc.Validate() != nil {
			t.Errorf("retry config %+v: %v", rc, rc.Validate())
		}
	})
	withMountFlags(t, []string{"--request-timeout", "2s", "--retry-budget", "5s"}, func(c *cli.Context) {
		p, err := netPolicyOf(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s3Config(c); got.RequestTimeout != 2*time.Second {
			t.Errorf("S3 request timeout %v, want 2s", got.RequestTimeout)
		}
		rc := p.retry(remote.S3Config{SSE: remote.SSEKMS})
		if !rc.ETagsNotMD5 {
			t.Error("under SSE-KMS the lost-answer check predicts ETags")
		}
		if rc.Budget != 5*time.Second || rc.UnreachableFor != 5*time.Second || rc.ProbeTimeout != 2*time.Second || rc.Validate() != nil {
			t.Errorf("retry config %+v: %v", rc, rc.Validate())
		}
	})
	for _, args := range [][]string{
		{"--request-timeout", "10s", "--retry-budget", "5s"},
		{"--request-timeout", "0s"},
		{"--retry-budget", "-1s"},
	} {
		withMountFlags(t, args, func(c *cli.Context) {
			if p, err := netPolicyOf(c); err == nil {
				t.Errorf("%q: accepted as %+v", args, p)
			}
		})
	}
}
