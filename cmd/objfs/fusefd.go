package main

import (
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
)

// --fuse-fd N: serve a /dev/fuse descriptor that another process has
// already mounted at MOUNTPOINT (objfs csi mounts in the plugin and hands
// the descriptor to objfs csi-mounter, csi_mounter.go). MOUNTPOINT then
// only names the mount (logs, objfs status, the pid file objfs umount
// waits on): this process need not see it, and does not check it.
// go-fuse serves the descriptor as its magic /dev/fd/N and cannot
// unmount it; the process that mounted it does, and objfs sees that
// unmount, flushes and exits as after any unmount from outside.
const flagFuseFD = "fuse-fd"

func fuseFDFlag() cli.Flag {
	return &cli.IntFlag{Name: flagFuseFD, Category: catOperation, Hidden: true,
		Usage: "serve the FUSE descriptor `N`, already mounted at MOUNTPOINT by another process (objfs csi-mounter)"}
}

// mountpointOf checks MOUNTPOINT, or with --fuse-fd only that it is an
// absolute path.
func mountpointOf(c *cli.Context, arg string) (string, error) {
	if !c.IsSet(flagFuseFD) {
		return checkMountpoint(arg, c.Bool(flagAllowNonEmpty))
	}
	if c.Int(flagFuseFD) <= 2 {
		return "", usageErrorf("mount", "--%s must name a descriptor above 2", flagFuseFD)
	}
	if !filepath.IsAbs(arg) {
		return "", usageErrorf("mount", "with --%s, MOUNTPOINT must be the absolute path the descriptor is mounted at", flagFuseFD)
	}
	return filepath.Clean(arg), nil
}

// shutdownFor is the shutdown of a mount with opts: a mount served from a
// descriptor answers once go-fuse has answered the kernel's INIT (which
// fs.Mount waits for), and is checked by whoever mounted it, where the
// mountpoint is visible.
func shutdownFor(opts fs.MountOptions) shutdownConfig {
	var sd shutdownConfig
	if opts.FD > 0 {
		sd.Answers = func(string, time.Duration) error { return nil }
		sd.Lazy = lazyIfVisible
	}
	sd.SetDefaults()
	return sd
}

// lazyIfVisible detaches a descriptor's mount on SIGTERM where this
// process can see it, and otherwise leaves it to the process that
// mounted it: either way the shutdown goes on to serve the files still
// being written until they are closed, then flushes, as after a lazy
// unmount. (A SIGTERM to objfs csi-mounter's daemons, whose mounts are in
// the kubelet's tree, not the mounter's: the mount then answers ENOTCONN
// once objfs has exited, until the plugin unmounts it.)
func lazyIfVisible(mountpoint string) error {
	_ = newUnmounter().Unmount(mountpoint, true)
	return nil
}

// checkFuseFDMode refuses --fuse-fd where the descriptor would be lost:
// daemon mode starts a child that inherits only its readiness pipe.
func checkFuseFDMode(c *cli.Context, child *daemonChild) error {
	if c.IsSet(flagFuseFD) && child == nil && !c.Bool(flagForeground) {
		return usageErrorf("mount", "--%s needs --%s (or objfs csi-mounter, which starts the daemon itself)", flagFuseFD, flagForeground)
	}
	return nil
}
