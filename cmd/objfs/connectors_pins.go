package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// pinCheckTimeout bounds the version checks of one connector.
const pinCheckTimeout = 2 * time.Minute

// checkPins is the part of `objfs connectors check` that asks S3: for
// every pinned object (acl's "bucket/key@VERSIONID") a HEAD of that
// version, with the connector's endpoint and credentials. It prints one
// line per pin, "ok" or what is wrong, and returns how many pins are
// missing or could not be checked. Connectors without pins send nothing.
func checkPins(ctx context.Context, out io.Writer, file *acl.File, getenv func(string) string) int {
	bad := 0
	for _, conn := range file.Connectors {
		pins := conn.Pins()
		if len(pins) == 0 {
			continue
		}
		cr, err := conn.ResolveCredentials(getenv)
		if err != nil {
			fmt.Fprintf(out, "error: connector %q: cannot check its %d pinned version(s): %v\n", conn.Label, len(pins), err)
			bad += len(pins)
			continue
		}
		cfg := connectorS3Config(remote.S3Config{}, conn, cr, slog.New(slog.DiscardHandler))
		bad += checkConnectorPins(ctx, out, conn, cfg, pins)
	}
	return bad
}

// checkConnectorPins HEADs each pinned version of conn.
func checkConnectorPins(ctx context.Context, out io.Writer, conn *acl.Connector, cfg remote.S3Config, pins []acl.Pin) int {
	ctx, cancel := context.WithTimeout(ctx, pinCheckTimeout)
	defer cancel()
	client, err := newPinClient(ctx, cfg)
	if err != nil {
		fmt.Fprintf(out, "error: connector %q: cannot check its %d pinned version(s): %v\n", conn.Label, len(pins), err)
		return len(pins)
	}
	return reportPins(ctx, out, conn, client, pins)
}

// reportPins HEADs each pinned version through client, printing one line
// each, and returns how many are missing or could not be checked.
func reportPins(ctx context.Context, out io.Writer, conn *acl.Connector, client remote.Versions, pins []acl.Pin) int {
	bad := 0
	for _, p := range pins {
		info, err := client.HeadVersion(ctx, p.Bucket, p.Key, p.Version)
		switch {
		case err == nil:
			fmt.Fprintf(out, "ok: connector %q: s3://%s/%s version %s (%d bytes, %s)\n",
				conn.Label, p.Bucket, p.Key, p.Version, info.Size, info.LastModified.UTC().Format(time.RFC3339))
		case errors.Is(err, remote.ErrNotFound):
			bad++
			fmt.Fprintf(out, "error: connector %q: pinned version %s of s3://%s/%s does not exist (%s): reads of it fail with EIO\n",
				conn.Label, p.Version, p.Bucket, p.Key, p.Rule)
		default:
			bad++
			fmt.Fprintf(out, "error: connector %q: cannot check pinned version %s of s3://%s/%s: %v\n",
				conn.Label, p.Version, p.Bucket, p.Key, err)
		}
	}
	return bad
}

// newPinClient is the S3 client of a pin check.
func newPinClient(ctx context.Context, cfg remote.S3Config) (remote.Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s3, err := remote.NewS3(ctx, cfg)
	if err != nil {
		return nil, describeSetupError(err, cfg.Profile)
	}
	return s3, nil
}

// pinsFailed is the error of a check that found pins missing.
func pinsFailed(n int) error {
	return fmt.Errorf("%d pinned version(s) missing or not checked", n)
}
