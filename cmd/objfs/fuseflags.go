package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
)

// Flag names of the FUSE request tuning.
const (
	flagMaxRequestSize = "max-request-size"
	flagMaxBackground  = "max-background"
)

const catFUSE = "FUSE"

// fuseFlags returns the flags of FUSE request sizes and concurrency.
func fuseFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagMaxRequestSize, Category: catFUSE, Value: formatSize(fs.DefaultMaxRequestSize),
			Usage: "largest FUSE read or write request, as a `SIZE` from 128K to 16M; above 1M, root raises the system-wide sysctl fs.fuse.max_pages_limit (Linux 6.13+), others get what it allows"},
		&cli.IntFlag{Name: flagMaxBackground, Category: catFUSE, Value: fs.DefaultMaxBackground,
			Usage: "how many asynchronous FUSE requests (kernel readahead) may be in flight, a `NUMBER` from 1 to 1024"},
	}
}

// fuseTuning reads and checks the two flags.
func fuseTuning(c *cli.Context) (size, background int, err error) {
	n, err := sizeFlag(c, flagMaxRequestSize)
	if err != nil {
		return 0, 0, err
	}
	if err := fs.CheckRequestSize(n); err != nil {
		return 0, 0, fmt.Errorf("invalid --%s %q: %w", flagMaxRequestSize, c.String(flagMaxRequestSize), err)
	}
	bg := c.Int(flagMaxBackground)
	if bg < 1 || bg > 1024 {
		return 0, 0, fmt.Errorf("invalid --%s %d: want 1 to 1024", flagMaxBackground, bg)
	}
	return int(n), bg, nil
}
