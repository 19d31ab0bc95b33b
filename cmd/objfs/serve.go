package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// shutdownConfig bounds readiness and shutdown. Shutdown after a signal
// detaches the mount (lazily when files are open, so that nothing new can
// be opened), keeps serving the files still open while uploads are
// pending — a cp or dd in progress finishes and its close uploads — then
// flushes whatever is left and exits.
type shutdownConfig struct {
	ReadyTimeout time.Duration // for the new mount to answer stat
	DrainTimeout time.Duration // serving open files after a signal
	CloseTimeout time.Duration // for fs.Close (flushing uploads)
	// Quiet ends the drain once no upload has been pending this long:
	// files still open then are only read (or idle), nothing to lose.
	Quiet time.Duration
	Poll  time.Duration // how often the drain looks
	// Progress is how often a long drain or flush reports what is left.
	Progress time.Duration
	// Lazy detaches the mountpoint even if busy.
	Lazy func(mountpoint string) error
	// Answers checks that the mount at mountpoint answers, within timeout.
	Answers func(mountpoint string, timeout time.Duration) error
	// Events receives readiness, status and stopping (systemd, the
	// daemon's parent). When nil, waitAndShutdown takes the serving
	// context's (serve_env.go), or reports nothing.
	Events events
}

// SetDefaults fills zero fields.
func (c *shutdownConfig) SetDefaults() {
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = 10 * time.Second
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = defaultShutdownTimeout
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = defaultShutdownTimeout
	}
	if c.Quiet == 0 {
		c.Quiet = time.Second
	}
	if c.Poll == 0 {
		c.Poll = 200 * time.Millisecond
	}
	if c.Progress == 0 {
		c.Progress = 5 * time.Second
	}
	if c.Lazy == nil {
		c.Lazy = func(mp string) error { return newUnmounter().Unmount(mp, true) }
	}
	if c.Answers == nil {
		c.Answers = mountAnswers
	}
}

// events is what serving tells the outside world.
type events interface {
	// Ready: the mount answers. An error fails the mount.
	Ready(mountpoint string) error
	// Status reports progress (systemd's STATUS=).
	Status(s string)
	// Stopping: shutdown has begun.
	Stopping()
}

// ev returns Events, or an events that reports nothing.
func (c shutdownConfig) ev() events {
	if c.Events == nil {
		return noEvents{}
	}
	return c.Events
}

type noEvents struct{}

func (noEvents) Ready(string) error { return nil }
func (noEvents) Status(string)      {}
func (noEvents) Stopping()          {}

// fuseServer is the part of go-fuse's *fuse.Server that serving uses.
type fuseServer interface {
	Unmount() error
	Wait()
}

// serve mounts the filesystem and blocks until a signal or an external
// unmount, then flushes and unmounts. It returns nil on a clean shutdown.
func serve(ctx context.Context, log *slog.Logger, client remote.Client, cfg vfs.Config, mountpoint string, opts fs.MountOptions) error {
	f, err := vfs.New(client, cfg)
	if err != nil {
		return fmt.Errorf("cannot create the filesystem: %w", err)
	}
	sd := shutdownFor(opts)
	server, err := fs.Mount(f, mountpoint, opts)
	if err != nil {
		_ = closeFS(log, f, sd)
		return fmt.Errorf("cannot mount %s at %s: %w", opts.FSName, mountpoint, err)
	}
	log.Info(fmt.Sprintf("mounted %s at %s", opts.FSName, mountpoint))
	return waitAndShutdown(ctx, log, f, server, mountpoint, sd)
}

// flusher is the part of *vfs.FS that shutdown uses.
type flusher interface {
	Close(ctx context.Context) error
}

// waitAndShutdown checks that the new mount answers and reports it ready,
// serves until SIGINT/SIGTERM (or ctx ends) or an unmount from outside,
// then detaches the mount, drains it, and closes the tree (vfs.FS.Close
// flushes pending uploads).
func waitAndShutdown(ctx context.Context, log *slog.Logger, f flusher, server fuseServer, mountpoint string, sd shutdownConfig) error {
	sd = servingFrom(ctx).apply(sd)
	served := make(chan struct{})
	go func() {
		server.Wait()
		close(served)
	}()
	// The handler stays registered until we return, so that a signal
	// during shutdown cannot kill us and leave a dead mount; a second one
	// ends the drain.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	registerTrees(ctx, f)
	pending := pendingOf(f)
	stopStatus := servingFrom(ctx).startStatus(log, f, mountpoint)
	defer stopStatus()

	if err := ready(mountpoint, sd); err != nil {
		log.Error("the mount does not answer, unmounting", "mountpoint", mountpoint, "err", err)
		derr := detach(log, server, mountpoint, sd)
		return errors.Join(err, derr, closeFS(log, f, sd))
	}
	select {
	case <-served:
		if takeUmountMark(mountpoint) {
			log.Info("unmounted by objfs umount, shutting down", "mountpoint", mountpoint)
		} else {
			log.Info("unmounted from outside, shutting down", "mountpoint", mountpoint)
		}
		sd.ev().Stopping()
		return closeFS(log, f, sd)
	case s := <-sigs:
		log.Info("shutting down on "+s.String()+": unmounting, then flushing", "mountpoint", mountpoint)
	case <-ctx.Done():
		log.Info("shutting down: unmounting, then flushing", "mountpoint", mountpoint)
	}
	sd.ev().Stopping()
	derr := detach(log, server, mountpoint, sd)
	if derr == nil {
		drain(log, served, sigs, pending, sd)
	}
	return errors.Join(derr, closeFS(log, f, sd))
}

// ready checks that the mount answers, then reports it.
func ready(mountpoint string, sd shutdownConfig) error {
	if err := sd.Answers(mountpoint, sd.ReadyTimeout); err != nil {
		return err
	}
	return sd.ev().Ready(mountpoint)
}

// detach unmounts; when the mount is busy (files open, a working
// directory inside) it detaches it lazily: the mount leaves the
// namespace at once and the kernel keeps serving what is open through
// us until the last of it is closed.
func detach(log *slog.Logger, server fuseServer, mountpoint string, sd shutdownConfig) error {
	err := server.Unmount() // go-fuse retries a few times over ~300 ms
	if err == nil {
		log.Info("unmounted", "mountpoint", mountpoint)
		return nil
	}
	log.Info("mount busy: detaching it; files still open are served until closed", "mountpoint", mountpoint, "err", oneLine(err.Error()))
	if lerr := sd.Lazy(mountpoint); lerr != nil {
		return fmt.Errorf("cannot unmount %s: %s (lazy unmount: %v)", mountpoint, oneLine(err.Error()), lerr)
	}
	return nil
}

// drain serves the files still open after a lazy detach while uploads
// are pending. It returns when the kernel let go of the mount (the last
// open file closed), when no upload has been pending for sd.Quiet, when
// sd.DrainTimeout passed, or at another signal.
func drain(log *slog.Logger, served <-chan struct{}, sigs <-chan os.Signal, pending func() writeback.Pending, sd shutdownConfig) {
	deadline := time.NewTimer(sd.DrainTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(sd.Poll)
	defer poll.Stop()
	start, lastBusy, lastReport := time.Now(), time.Now(), time.Now()
	for {
		select {
		case <-served:
			return
		case s := <-sigs:
			log.Warn("second "+s.String()+": not waiting for open files any longer", "pending", pending())
			return
		case <-deadline.C:
			log.Warn("files still being written after --"+flagShutdownTimeout+": uploading what was written so far",
				"waited", sd.DrainTimeout, "files", pending().Files, "bytes", pending().Bytes)
			return
		case now := <-poll.C:
			p := pending()
			if p.Files == 0 {
				if now.Sub(lastBusy) >= sd.Quiet {
					return
				}
				continue
			}
			lastBusy = now
			if now.Sub(lastReport) >= sd.Progress {
				lastReport = now
				log.Info("waiting for files being written to be closed", "files", p.Files, "bytes", p.Bytes,
					"waited", now.Sub(start).Round(time.Second), "hint", "send SIGTERM again to stop waiting")
				sd.ev().Status(fmt.Sprintf("Stopping: waiting for %d file(s) being written (%s not yet uploaded)", p.Files, formatSize(p.Bytes)))
			}
		}
	}
}

// closeFS flushes pending uploads, bounded by sd.CloseTimeout, reporting
// what is left every sd.Progress (the tree logs it too).
func closeFS(log *slog.Logger, f flusher, sd shutdownConfig) error {
	ctx, cancel := context.WithTimeout(context.Background(), sd.CloseTimeout)
	defer cancel()
	done := make(chan struct{})
	go reportFlush(pendingOf(f), sd, done)
	err := f.Close(ctx)
	close(done)
	if err != nil {
		log.Error("flushing pending uploads failed", "err", err)
		return fmt.Errorf("flushing pending uploads: %w", err)
	}
	return nil
}

// reportFlush sends systemd a STATUS= line with what is left to upload
// until done.
func reportFlush(pending func() writeback.Pending, sd shutdownConfig, done <-chan struct{}) {
	t := time.NewTicker(sd.Progress)
	defer t.Stop()
	for {
		if p := pending(); p.Files > 0 {
			sd.ev().Status(fmt.Sprintf("Stopping: uploading %d file(s), %s left", p.Files, formatSize(p.Bytes)))
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// statMount stats mountpoint and its parent: a mount has its own device.
func statMount(mountpoint string) error {
	var st, parent syscall.Stat_t
	if err := syscall.Stat(mountpoint, &st); err != nil {
		return fmt.Errorf("stat %s: %w", mountpoint, err)
	}
	if err := syscall.Stat(filepath.Dir(mountpoint), &parent); err != nil {
		return fmt.Errorf("stat %s: %w", filepath.Dir(mountpoint), err)
	}
	if st.Dev == parent.Dev {
		return fmt.Errorf("%s is not a mount point after mounting", mountpoint)
	}
	return nil
}
