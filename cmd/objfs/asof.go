package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// flagAsOf is `--as-of TIME` (and -o as_of=TIME): a read-only view of a
// versioned bucket as it was at TIME (vfs.Config.AsOf).
const flagAsOf = "as-of"

func asOfFlag() cli.Flag {
	return &cli.StringFlag{Name: flagAsOf, Category: catPerms, Usage: "mount a read-only view of a versioned bucket as it was at `TIME`: " +
		"RFC 3339 (2026-11-30T12:00:00Z) or a duration back from now (72h); with --connectors, of every connector without its own as_of"}
}

// asOfFlagTime returns --as-of's time, zero when not given.
func asOfFlagTime(c *cli.Context) (time.Time, error) {
	if !c.IsSet(flagAsOf) {
		return time.Time{}, nil
	}
	return acl.ParseAsOf(c.String(flagAsOf), time.Now())
}

// connectorAsOf is the time of a connector's view: its own as_of, else
// the mount's --as-of (zero: live).
func connectorAsOf(conn *acl.Connector, mount time.Time) (time.Time, error) {
	if conn.AsOf == "" {
		return mount, nil
	}
	return acl.ParseAsOf(conn.AsOf, time.Now())
}

// checkVersioned runs vfs.CheckVersioned on each bucket, with the
// preflight's deadline.
func checkVersioned(ctx context.Context, c remote.Client, buckets []string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, b := range buckets {
		if err := vfs.CheckVersioned(ctx, c, b); err != nil {
			return fmt.Errorf("cannot mount as of a time: %w", err)
		}
	}
	return nil
}
