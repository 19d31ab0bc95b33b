package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/remote"
)

// flagConnectors is `objfs mount --connectors FILE MOUNTPOINT`.
const flagConnectors = "connectors"

// connectorsFlag is the flag's definition, for mountFlags.
func connectorsFlag() cli.Flag {
	return &cli.StringFlag{Name: flagConnectors, Category: catS3, Usage: "mount the connectors of `FILE` (YAML), one directory per label, " +
		"instead of SOURCE; endpoint, region, path style and credentials come from the file"}
}

// perConnectorFlags cannot be combined with --connectors: the file sets
// them for each connector.
// (--no-sign-request is `credentials: anonymous` there.)
var perConnectorFlags = []string{flagEndpoint, flagRegion, flagProfile, flagPathStyle, flagNoSignRequest}

// mountConnectorsAction is `objfs mount --connectors FILE MOUNTPOINT`:
// load the file, connect and check every connector, mount, serve, shut
// down cleanly.
func mountConnectorsAction(c *cli.Context) error {
	mpArg, err := connectorsMountArgs(c)
	if err != nil {
		return err
	}
	lo, err := logOptionsFrom(c)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	file, err := loadConnectors(c.String(flagConnectors), c.App.ErrWriter)
	if err != nil {
		return err
	}
	creds, err := resolveAll(file, os.Getenv)
	if err != nil {
		return err
	}
	log := newConnectorsLogger(c.App.ErrWriter, lo, os.Getenv, creds)
	routeStdLog(log)
	src, err := vfs.ParseSource("s3://")
	if err != nil {
		return err
	}
	fsCfg, err := fsConfig(c, src)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	mopts, err := mountOptions(c, "")
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	tuneGC(fsCfg.ReadCache.MemBytes) // gc.go: the heap stays near the cache budget
	mountpoint, err := mountpointOf(c, mpArg)
	if err != nil {
		return err
	}
	// One block cache for every connector: one memory budget, one disk
	// directory. Blocks are keyed by bucket, key and ETag, and a tree
	// only reads objects its connector lets it open.
	blocks, err := vfs.NewBlockCache(fsCfg)
	if err != nil {
		return fmt.Errorf("cannot set up the block cache: %w", err)
	}
	fsCfg.Blocks = blocks
	defer closeBlocks(log, blocks) // after every tree is closed
	np, err := netPolicyOf(c)
	if err != nil {
		return usageErrorf("mount", "%v", err)
	}
	// The options of objects (encryption, storage class, requester
	// pays, CA bundle) and --checksum are mount-wide.
	shared := remote.S3Config{Checksum: checksumMode(c), RequestTimeout: np.requestTimeout}
	if err := applyS3Options(c, &shared); err != nil {
		return usageErrorf("mount", "%v", err)
	}
	trees, err := openConnectors(c.Context, log, file, creds, fsCfg, shared, np)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(file.Path)
	desc := mountDesc{Source: "connectors:" + abs}
	for _, conn := range file.Connectors {
		desc.Connectors = append(desc.Connectors, connectorDesc(conn))
	}
	servingFrom(c.Context).describe(desc)
	mopts.FSName = "connectors:" + abs
	return serveConnectors(c.Context, log, trees, mountpoint, mopts)
}

// closeBlocks closes the block cache the trees shared (waiting for its
// disk writes), once they are all closed.
func closeBlocks(log *slog.Logger, blocks interface{ Close() error }) {
	if err := blocks.Close(); err != nil {
		log.Error("closing the block cache failed", "err", err)
	}
}

// connectorsMountArgs checks the arguments that go with --connectors: the
// MOUNTPOINT only, and none of the per-connector flags.
func connectorsMountArgs(c *cli.Context) (string, error) {
	args := c.Args().Slice()
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return "", usageErrorf("mount", "flag %s must come before MOUNTPOINT", a)
		}
	}
	for _, name := range perConnectorFlags {
		if c.IsSet(name) {
			hint := ""
			if name == flagNoSignRequest {
				hint = " (`credentials: anonymous`)"
			}
			return "", usageErrorf("mount", "--%s cannot be used with --connectors: the connectors file sets it for each connector%s", name, hint)
		}
	}
	switch len(args) {
	case 1:
		return args[0], nil
	case 2:
		return "", usageErrorf("mount", "SOURCE and --connectors are mutually exclusive: with --connectors give only MOUNTPOINT")
	}
	return "", usageErrorf("mount", "mount --connectors FILE needs MOUNTPOINT (got %d arguments)", len(args))
}

// resolveAll resolves every connector's credentials, in file order.
func resolveAll(file *acl.File, getenv func(string) string) ([]acl.Creds, error) {
	out := make([]acl.Creds, len(file.Connectors))
	for i, conn := range file.Connectors {
		cr, err := conn.ResolveCredentials(getenv)
		if err != nil {
			return nil, err
		}
		out[i] = cr
	}
	return out, nil
}

// newConnectorsLogger is newLogger whose redaction also knows the keys the
// connectors file led to (inline, or read from credentials_env
// variables), so that no log line can carry them.
func newConnectorsLogger(w io.Writer, opts logOptions, getenv func(string) string, creds []acl.Creds) *slog.Logger {
	r := newRedactor(getenv)
	for _, cr := range creds {
		for _, s := range []string{cr.SecretAccessKey, cr.SessionToken} {
			if len(s) >= minSecretLen {
				r.secrets = append(r.secrets, s)
			}
		}
	}
	ho := &slog.HandlerOptions{Level: opts.Level, ReplaceAttr: r.replaceAttr}
	if opts.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// connectorS3Config maps a connector and its credentials onto shared,
// the mount-wide remote.S3Config (object options, --checksum, the
// request timeout).
func connectorS3Config(shared remote.S3Config, conn *acl.Connector, cr acl.Creds, log *slog.Logger) remote.S3Config {
	cfg := shared
	cfg.Endpoint, cfg.Region, cfg.PathStyle, cfg.Logger = conn.Endpoint, conn.Region, conn.PathStyle, log
	switch cr.Source {
	case acl.SourceProfile:
		cfg.Profile = cr.Profile
	case acl.SourceEnv, acl.SourceInline:
		cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken = cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken
	case acl.SourceAnonymous:
		cfg.Anonymous = true
	}
	return cfg
}

// openConnectors connects and checks every connector and builds its tree.
// On failure the trees built so far are closed and the error names the
// connector.
func openConnectors(ctx context.Context, log *slog.Logger, file *acl.File, creds []acl.Creds, base vfs.Config, shared remote.S3Config, np netPolicy) ([]fs.Labeled, error) {
	var trees []fs.Labeled
	for i, conn := range file.Connectors {
		f, err := openConnector(ctx, file, conn, creds[i], base, shared, np, log)
		if err != nil {
			_ = closeTrees(context.Background(), trees)
			return nil, fmt.Errorf("connector %q: %w", conn.Label, err)
		}
		trees = append(trees, fs.Labeled{Label: conn.Label, FS: f})
		log.Info("connector ready", "connector", conn)
	}
	return trees, nil
}

// openConnector makes one connector's tree: its configuration, its S3
// client (checked), and the tree over it. The tree's log lines name the
// connector (vfs.New adds it); the client's are given it here.
func openConnector(ctx context.Context, file *acl.File, conn *acl.Connector, cr acl.Creds, base vfs.Config, shared remote.S3Config, np netPolicy, log *slog.Logger) (*vfs.FS, error) {
	cfg := connectorFSConfig(base, file, conn, log)
	asOf, err := connectorAsOf(conn, base.AsOf)
	if err != nil {
		return nil, err
	}
	cfg.AsOf = asOf
	s3Cfg := connectorS3Config(shared, conn, cr, log.With("connector", conn.Label, "component", "remote"))
	client, err := connectConnector(ctx, conn, s3Cfg, np)
	if err != nil {
		return nil, forConnector(err, cr)
	}
	if !asOf.IsZero() {
		// The buckets the patterns name must be versioned; those reached
		// by a bucket pattern are shown only if versioned (vfs).
		named, _ := conn.BucketNames()
		if err := checkVersioned(ctx, client, named); err != nil {
			return nil, err
		}
	}
	return vfs.New(client, cfg)
}

// connectConnector creates the connector's S3 client and runs its
// preflight; the returned client retries transient failures.
func connectConnector(ctx context.Context, conn *acl.Connector, cfg remote.S3Config, np netPolicy) (remote.Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s3, err := remote.NewS3(ctx, cfg)
	if err != nil {
		return nil, describeSetupError(err, cfg.Profile)
	}
	named := cfg
	named.Endpoint = s3.Endpoint() // a profile's endpoint_url, for the messages
	if err := checkConnector(ctx, s3, conn, named); err != nil {
		return nil, err
	}
	return remote.WithRetry(observeConnectorRequests(ctx, s3, conn.Label), np.retry(cfg)), nil
}

// connectorFSConfig is base (the mount's flags, with the shared block
// cache) for one of the connectors of file. The write-buffer budget the
// flags give for the whole mount is shared out among the readwrite
// connectors (at least two parts each), as read connectors never write.
func connectorFSConfig(base vfs.Config, file *acl.File, conn *acl.Connector, log *slog.Logger) vfs.Config {
	cfg := base
	cfg.Connector = conn
	cfg.Logger = log.With("component", "fs")
	if conn.Access == acl.ReadWrite {
		w := &cfg.Write
		w.BufferBytes = max(w.BufferBytes/int64(readWriteCount(file)), 2*w.PartSize)
	}
	return cfg
}

// readWriteCount counts the readwrite connectors of file.
func readWriteCount(file *acl.File) int {
	n := 0
	for _, c := range file.Connectors {
		if c.Access == acl.ReadWrite {
			n++
		}
	}
	return n
}

// serveConnectors mounts the trees and serves until a signal or an
// external unmount, then unmounts and closes every tree.
func serveConnectors(ctx context.Context, log *slog.Logger, trees []fs.Labeled, mountpoint string, opts fs.MountOptions) error {
	sd := shutdownFor(opts)
	server, err := fs.MountConnectors(mountpoint, trees, opts)
	if err != nil {
		_ = closeTrees(context.Background(), trees)
		return fmt.Errorf("cannot mount %s at %s: %w", opts.FSName, mountpoint, err)
	}
	log.Info(fmt.Sprintf("mounted %d connectors at %s", len(trees), mountpoint), "connectors", opts.FSName)
	return waitAndShutdown(ctx, log, treesCloser(trees), server, mountpoint, sd)
}

// treesCloser closes every tree of a multi-connector mount.
type treesCloser []fs.Labeled

// Close closes every tree (flushing its pending uploads), all of them
// even when one fails.
func (t treesCloser) Close(ctx context.Context) error { return closeTrees(ctx, t) }

// closeTrees closes the trees concurrently, so that one connector's slow
// uploads do not hold back the others' within ctx.
func closeTrees(ctx context.Context, trees []fs.Labeled) error {
	errs := make([]error, len(trees))
	var wg sync.WaitGroup
	for i, t := range trees {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.FS.Close(ctx); err != nil {
				errs[i] = fmt.Errorf("connector %q: %w", t.Label, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
