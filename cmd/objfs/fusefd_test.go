package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
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

// TestFuseFDShutdownDrains: a mount served from a descriptor is ready
// once served (no probe of a mountpoint it may not see), and a SIGTERM's
// detach never fails, so that the drain of files being written runs.
func TestFuseFDShutdownDrains(t *testing.T) {
	sd := shutdownFor(fs.MountOptions{FD: 4})
	if err := sd.Answers("/not/visible/here", time.Millisecond); err != nil {
		t.Errorf("Answers: %v", err)
	}
	if err := sd.Lazy(filepath.Join(t.TempDir(), "not-mounted")); err != nil {
		t.Errorf("Lazy of a mount this process cannot see: %v", err)
	}
	plain := shutdownFor(fs.MountOptions{})
	if err := plain.Lazy(filepath.Join(t.TempDir(), "not-mounted")); err == nil {
		t.Error("a plain mount's lazy unmount of nothing succeeded")
	}
}
