package main

import (
	"context"
	"os"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

func mountCommand() *cli.Command {
	return &cli.Command{
		Name:      "mount",
		Usage:     "mount SOURCE (s3://BUCKET, s3://BUCKET/PREFIX/ or s3://) at MOUNTPOINT; returns once it answers (--foreground: stays attached)",
		ArgsUsage: "SOURCE MOUNTPOINT",
		Description: "Serves in the background until SIGINT/SIGTERM or until MOUNTPOINT is unmounted, then flushes and exits.\n" +
			"Options as mount(8) passes them are accepted too: objfs mount -o ro,endpoint=URL,path_style SOURCE MOUNTPOINT.\n" +
			"Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile or the SDK's default chain.",
		Flags:        mountFlags(),
		OnUsageError: onUsageError,
		Action:       mountAction,
	}
}

// mountAction is `objfs mount`: check, mount, serve, shut down cleanly.
// Unless it stays attached (daemon.go), it checks the command line and
// starts the daemon child that does all that, and returns once the mount
// answers.
func mountAction(c *cli.Context) error {
	child := takeDaemonChild()
	if err := checkFuseFDMode(c, child); err != nil {
		return err
	}
	if !stayAttached(c, child, os.Getenv) {
		if err := precheckMount(c); err != nil {
			return err
		}
		return daemonize(os.Args, c.App.ErrWriter)
	}
	stop, err := startServing(c, child)
	if err != nil {
		return err
	}
	defer stop()
	if c.IsSet(flagConnectors) {
		return mountConnectorsAction(c) // connectors_mount.go
	}
	srcArg, mpArg, err := mountArgs(c.Args().Slice())
	if err != nil {
		return err
	}
	lo, err := logOptionsFrom(c)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	log := newLogger(c.App.ErrWriter, lo, os.Getenv)
	routeStdLog(log)
	src, err := vfs.ParseSource(srcArg)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	fsCfg, err := fsConfig(c, src)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	mopts, err := mountOptions(c, src.String())
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	tuneGC(fsCfg.ReadCache.MemBytes) // gc.go: the heap stays near the cache budget
	mountpoint, err := mountpointOf(c, mpArg)
	if err != nil {
		return err
	}
	np, err := netPolicyOf(c)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	s3Cfg, err := s3Config(c)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	s3Cfg.Logger = log.With("component", "remote")
	client, endpoint, err := connect(c.Context, s3Cfg, np, src, !fsCfg.AsOf.IsZero())
	if err != nil {
		return err
	}
	servingFrom(c.Context).describe(mountDesc{Source: src.String(), Endpoint: endpoint, Region: s3Cfg.Region})
	fsCfg.Logger = log.With("component", "fs")
	return serve(c.Context, log, client, fsCfg, mountpoint, mopts)
}

// mountArgs checks the two positional arguments. urfave/cli stops parsing
// flags at the first argument, so a flag after them is named explicitly.
func mountArgs(args []string) (src, mountpoint string, err error) {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return "", "", usageErrorf("mount", "flag %s must come before SOURCE and MOUNTPOINT", a)
		}
	}
	if len(args) != 2 {
		return "", "", usageErrorf("mount", "mount needs SOURCE and MOUNTPOINT (got %d arguments)", len(args))
	}
	return args[0], args[1], nil
}

// connect creates the S3 client and runs the preflight against it; the
// returned client retries transient failures for the life of the mount.
// It also returns the endpoint URL the client uses ("" for AWS S3).
//
// With asOf (a view of the past) the source's bucket must be versioned:
// a bucket that never was fails here, in one line.
func connect(ctx context.Context, cfg remote.S3Config, np netPolicy, src vfs.Source, asOf bool) (remote.Client, string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, "", usageErrorf("mount", "%v", err)
	}
	s3, err := remote.NewS3(ctx, cfg)
	if err != nil {
		return nil, "", describeSetupError(err, cfg.Profile)
	}
	observed := observeRequests(ctx, s3) // metrics count every request, preflight too
	var pf preflightConfig
	pf.SetDefaults()
	// The endpoint the client resolved: a profile's endpoint_url or
	// AWS_ENDPOINT_URL when --endpoint is not given, so that a message
	// names the server that failed, not AWS.
	ep := s3.Endpoint()
	t := target{Endpoint: ep, Region: cfg.Region, Bucket: src.Bucket, Prefix: src.Prefix, Anonymous: cfg.Anonymous}
	empty, err := checkRemoteSource(ctx, observed, pf, t)
	if err != nil {
		return nil, "", err
	}
	if asOf && src.Bucket != "" {
		if err := checkVersioned(ctx, observed, []string{src.Bucket}); err != nil {
			return nil, "", err
		}
	}
	if empty && !asOf {
		// Mounted all the same, as rclone and mountpoint-s3 do (a prefix
		// is created by its first write), but a mistyped prefix is the
		// usual cause: say it once.
		warnUser(ctx, cfg.Logger, emptyPrefixWarning(src))
	}
	return remote.WithRetry(observed, np.retry(cfg)), ep, nil
}

// emptyPrefixWarning is the line for a source whose prefix holds nothing.
func emptyPrefixWarning(src vfs.Source) string {
	return src.String() + " holds no objects: the mount starts empty (check the prefix; a write creates it)"
}
