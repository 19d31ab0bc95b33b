package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/objfs/objfs/remote"
)

// preflightConfig bounds the checks made before mounting. The defaults keep
// the worst case (an endpoint that never answers) under 15 seconds, as the
// spec requires of a mount that cannot work.
type preflightConfig struct {
	Attempts       int           // tries per check, for retryable failures
	AttemptTimeout time.Duration // deadline of one try
	Backoff        time.Duration // pause between tries
	Total          time.Duration // deadline of the whole preflight
	// Sleep waits for d or until ctx is done; injected by tests.
	Sleep func(ctx context.Context, d time.Duration) error
}

// SetDefaults fills zero fields.
func (c *preflightConfig) SetDefaults() {
	if c.Attempts == 0 {
		c.Attempts = 2
	}
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = 5 * time.Second
	}
	if c.Backoff == 0 {
		c.Backoff = 500 * time.Millisecond
	}
	if c.Total == 0 {
		c.Total = 12 * time.Second
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
}

// Validate reports a configuration that could not work.
func (c preflightConfig) Validate() error {
	switch {
	case c.Attempts < 1:
		return fmt.Errorf("preflight: Attempts %d < 1", c.Attempts)
	case c.AttemptTimeout <= 0 || c.Total <= 0:
		return errors.New("preflight: timeouts must be positive")
	case c.Backoff < 0:
		return errors.New("preflight: negative Backoff")
	}
	return nil
}

// bucketLister is the part of remote.Client the preflight uses.
type bucketLister interface {
	ListBuckets(ctx context.Context) ([]remote.BucketInfo, error)
	List(ctx context.Context, req remote.ListRequest) (remote.ListPage, error)
}

// checkMountpoint returns the absolute mountpoint if it is an existing
// directory. A non-empty directory is refused unless allowNonEmpty, as
// rclone does (hidden files count: a forgotten .cache or .git under the
// mountpoint would be hidden by the mount, a common surprise); a dead
// FUSE mount is named as such; a directory something is already mounted
// on is refused, as mountpoint-s3 does: a second mount would hide the
// first, whose daemon keeps running.
func checkMountpoint(path string, allowNonEmpty bool) (string, error) {
	if path == "" {
		return "", errors.New("mountpoint is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("mountpoint %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err == nil && fi.IsDir() {
		// The kernel may answer stat of a dead FUSE mount from its
		// attribute cache; opening the directory reaches the mount.
		err = probeDir(abs)
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("mountpoint %s does not exist (create it with mkdir)", abs)
	case errors.Is(err, syscall.ENOTCONN):
		return "", fmt.Errorf("mountpoint %s is a dead mount (transport endpoint is not connected): run 'objfs umount %s' first", abs, abs)
	case errors.Is(err, os.ErrPermission):
		return "", fmt.Errorf("mountpoint %s: permission denied", abs)
	case err != nil:
		return "", fmt.Errorf("mountpoint %s: %w", abs, err)
	case !fi.IsDir():
		return "", fmt.Errorf("mountpoint %s is not a directory", abs)
	}
	autofs, err := checkNotMounted(abs)
	if err != nil || allowNonEmpty || autofs {
		// An autofs trigger is not listed: reading it could wait for
		// the very mount we are making.
		return abs, err
	}
	return abs, checkEmpty(abs)
}

// checkEmpty refuses a directory that holds anything, hidden files
// included.
func checkEmpty(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mountpoint %s: %w", dir, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("mountpoint %s: %w", dir, err)
	}
	if len(names) > 0 {
		return fmt.Errorf("mountpoint %s is not empty (it holds %q): the mount would hide its files; use an empty directory or --%s", dir, names[0], flagAllowNonEmpty)
	}
	return nil
}

// checkNotMounted fails if a file system is mounted on dir. autofs is let
// through (and reported): a systemd automount unit mounts over its own
// autofs trigger.
func checkNotMounted(dir string) (autofs bool, err error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, nil // the mount itself will report it
	}
	fsType, ok := mountedFS(real)
	if ok && fsType != "autofs" {
		return false, fmt.Errorf("mountpoint %s is already mounted (%s): unmount it first (objfs umount %s)", dir, fsType, dir)
	}
	return ok, nil
}

// probeDir opens and closes dir (no listing).
func probeDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return d.Close()
}

// checkRemote verifies that the endpoint answers, the credentials are
// accepted and, for a bucket source, that the bucket exists and can be
// listed under prefix. It lists rather than sending HeadBucket: a HEAD
// response has no body, so a rejected signature would show only as "403",
// while a listing names the S3 error code; and listing is the permission
// the mount needs anyway. For the all-buckets source (bucket == "") it
// lists the buckets. Failures come back as one sentence (preflight_errors.go).
func checkRemote(ctx context.Context, c bucketLister, cfg preflightConfig, t target) error {
	_, err := checkRemoteSource(ctx, c, cfg, t)
	return err
}

// checkRemoteSource is checkRemote that also reports whether t's prefix
// (when it has one) holds nothing at all: no object, not even its own
// directory marker, and no key below it.
func checkRemoteSource(ctx context.Context, c bucketLister, cfg preflightConfig, t target) (emptyPrefix bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Total)
	defer cancel()
	check := func(ctx context.Context) error {
		if t.Bucket == "" {
			_, err := c.ListBuckets(ctx)
			return err
		}
		page, err := c.List(ctx, remote.ListRequest{Bucket: t.Bucket, Prefix: t.Prefix, Delimiter: "/", MaxKeys: 1})
		emptyPrefix = err == nil && t.Prefix != "" && len(page.Objects) == 0 && len(page.Prefixes) == 0
		return err
	}
	start := time.Now()
	err = retryCheck(ctx, cfg, check)
	return emptyPrefix, describeRemoteError(err, t, time.Since(start))
}

// retryCheck runs check up to cfg.Attempts times, each try bounded by
// cfg.AttemptTimeout, retrying only failures remote calls retryable.
func retryCheck(ctx context.Context, cfg preflightConfig, check func(context.Context) error) error {
	var err error
	for attempt := 1; attempt <= cfg.Attempts; attempt++ {
		actx, cancel := context.WithTimeout(ctx, cfg.AttemptTimeout)
		err = check(actx)
		cancel()
		if err == nil || !retryable(err) || attempt == cfg.Attempts {
			return err
		}
		if serr := cfg.Sleep(ctx, cfg.Backoff); serr != nil {
			return err
		}
	}
	return err
}

// retryable: a transient failure or a try that ran out of time.
func retryable(err error) bool {
	return remote.IsRetryable(err) || errors.Is(err, context.DeadlineExceeded)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
