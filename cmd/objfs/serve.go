package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/remote"
)

// shutdownConfig bounds the shutdown after a signal: unmounting, retried
// while busy, with a lazy detach as the last resort so that nothing stays
// mounted after exit; then flushing pending uploads.
type shutdownConfig struct {
	CloseTimeout    time.Duration // for fs.Close (flushing uploads)
	UnmountAttempts int
	UnmountBackoff  time.Duration
	ExitWait        time.Duration // for the server to stop after a lazy detach
	// Lazy detaches the mountpoint even if busy.
	Lazy func(mountpoint string) error
}

// SetDefaults fills zero fields.
func (c *shutdownConfig) SetDefaults() {
	if c.CloseTimeout == 0 {
		c.CloseTimeout = 5 * time.Minute
	}
	if c.UnmountAttempts == 0 {
		c.UnmountAttempts = 4
	}
	if c.UnmountBackoff == 0 {
		c.UnmountBackoff = 500 * time.Millisecond
	}
	if c.ExitWait == 0 {
		c.ExitWait = 2 * time.Second
	}
	if c.Lazy == nil {
		c.Lazy = func(mp string) error { return newUnmounter().Unmount(mp, true) }
	}
}

// fuseServer is the part of go-fuse's *fuse.Server that serving uses.
type fuseServer interface {
	Unmount() error
	Wait()
}

// serve mounts the filesystem and blocks until a signal or an external
// unmount, then flushes and unmounts. It returns nil on a clean shutdown.
func serve(ctx context.Context, log *slog.Logger, client remote.Client, cfg fs.Config, mountpoint string, opts fs.MountOptions) error {
	f, err := fs.New(client, cfg)
	if err != nil {
		return fmt.Errorf("cannot create the filesystem: %w", err)
	}
	var sd shutdownConfig
	sd.SetDefaults()
	server, err := f.Mount(mountpoint, opts)
	if err != nil {
		_ = closeFS(log, f, sd.CloseTimeout)
		return fmt.Errorf("cannot mount %s at %s: %w", opts.FSName, mountpoint, err)
	}
	log.Info(fmt.Sprintf("mounted %s at %s", opts.FSName, mountpoint))
	return waitAndShutdown(ctx, log, f, server, mountpoint, sd)
}

// flusher is the part of *fs.FS that shutdown uses.
type flusher interface {
	Close(ctx context.Context) error
}

// waitAndShutdown serves until SIGINT/SIGTERM (or ctx ends) or until the
// mount is unmounted from outside, then unmounts if still mounted and
// closes the tree (fs.FS.Close flushes pending uploads). Unmounting comes
// first, as fs documents: the kernel releases every open file before an
// unmount succeeds, so nothing is written after the flush.
func waitAndShutdown(ctx context.Context, log *slog.Logger, f flusher, server fuseServer, mountpoint string, sd shutdownConfig) error {
	served := make(chan struct{})
	go func() {
		server.Wait()
		close(served)
	}()
	// The handler stays registered until we return, so that a second
	// signal during shutdown cannot kill us and leave a dead mount.
	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	select {
	case <-served:
		log.Info("unmounted from outside, shutting down", "mountpoint", mountpoint)
		return closeFS(log, f, sd.CloseTimeout)
	case <-sigCtx.Done():
		log.Info("shutting down: unmounting, then flushing", "mountpoint", mountpoint)
	}
	unmountErr := unmountServer(log, server, mountpoint, served, sd)
	if unmountErr == nil {
		log.Info("unmounted", "mountpoint", mountpoint)
	}
	closeErr := closeFS(log, f, sd.CloseTimeout)
	return errors.Join(unmountErr, closeErr)
}

// closeFS flushes pending uploads, bounded by timeout.
func closeFS(log *slog.Logger, f flusher, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := f.Close(ctx); err != nil {
		log.Error("flushing pending uploads failed", "err", err)
		return fmt.Errorf("flushing pending uploads: %w", err)
	}
	return nil
}

// unmountServer unmounts, retrying while the mount is busy, and detaches it
// lazily as a last resort so that nothing stays mounted after exit.
func unmountServer(log *slog.Logger, server fuseServer, mountpoint string, served <-chan struct{}, sd shutdownConfig) error {
	var err error
	for i := 0; i < sd.UnmountAttempts; i++ {
		if err = server.Unmount(); err == nil {
			return nil
		}
		log.Warn("unmount failed, retrying", "mountpoint", mountpoint, "err", oneLine(err.Error()))
		time.Sleep(sd.UnmountBackoff)
	}
	log.Warn("mount still busy, detaching it lazily", "mountpoint", mountpoint)
	if lerr := sd.Lazy(mountpoint); lerr != nil {
		return fmt.Errorf("cannot unmount %s: %s (lazy unmount: %v)", mountpoint, oneLine(err.Error()), lerr)
	}
	select {
	case <-served:
	case <-time.After(sd.ExitWait):
		// Open files keep the detached mount alive; exiting closes the
		// FUSE connection, so nothing remains mounted.
	}
	return nil
}
