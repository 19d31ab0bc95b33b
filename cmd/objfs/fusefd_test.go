package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"strings"
	"testing"
)

// TestFuseFDChecks: --fuse-fd takes an absolute MOUNTPOINT it does not
// look at, a descriptor above 2, and never daemon mode (the child would
// not inherit the descriptor).
func TestFuseFDChecks(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" for success
	}{
		{[]string{"mount", "--fuse-fd", "4", "--foreground", "s3://b/", "/nowhere/at/all"}, ""},
		{[]string{"mount", "--fuse-fd", "4", "--foreground", "s3://b/", "relative"}, "absolute path"},
		{[]string{"mount", "--fuse-fd", "2", "--foreground", "s3://b/", "/t"}, "above 2"},
		{[]string{"mount", "--fuse-fd", "4", "s3://b/", "/t"}, "needs --foreground"},
	} {
		var got error
		ran := false
		app := newApp(io.Discard, io.Discard)
		for _, cmd := range app.Commands {
			if cmd.Name == "mount" {
				cmd.Action = func(c *cli.Context) error {
					ran = true
					if got = checkFuseFDMode(c, nil); got != nil {
						return nil
					}
					mp, err := mountpointOf(c, c.Args().Get(1))
					if err == nil && mp != c.Args().Get(1) {
						t.Errorf("%v: mountpoint %q", tc.args, mp)
					}
					got = err
					return nil
				}
			}
		}
		app.Run(append([]string{"objfs"}, tc.args...))
		switch {
		case !ran:
			t.Errorf("%v: the mount action did not run", tc.args)
		case tc.want == "" && got != nil:
			t.Errorf("%v: %v", tc.args, got)
		case tc.want != "" && (got == nil || !strings.Contains(got.Error(), tc.want)):
			t.Errorf("%v: %v, want %q", tc.args, got, tc.want)
		}
	}
}
