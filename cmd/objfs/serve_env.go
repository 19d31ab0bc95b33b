package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/metrics"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// serving is what a serving objfs process sets up once, before either
// mount path (one source, or connectors) runs: where logs go, metrics,
// the lifecycle events for systemd and the daemon's parent, and the
// shutdown bound. It travels in the command's context, so that both
// paths and waitAndShutdown find it without new parameters; a context
// without it (tests) gets no metrics and no events.
type serving struct {
	logs       *logSink
	metrics    *metrics.Metrics // always (objfs status reads it); nil in tests
	metricsSrv *metrics.Server  // nil without --metrics-addr
	events     *lifecycle
	timeout    time.Duration // --shutdown-timeout

	// For `objfs status` (status_socket.go): when serving began, what
	// is mounted (set by the mount path with describe), and the last
	// warnings and errors logged.
	started time.Time
	desc    mountDesc
	errs    *errorRing
}

// mountDesc is what a mount serves, as `objfs status` shows it.
type mountDesc struct {
	Source, Endpoint, Region string
	Connectors               []connectorReport
}

// describe records what this process mounts (nil-safe: tests).
func (s *serving) describe(d mountDesc) {
	if s != nil {
		s.desc = d
	}
}

type servingKey struct{}

// servingFrom returns the serving state in ctx, or nil.
func servingFrom(ctx context.Context) *serving {
	s, _ := ctx.Value(servingKey{}).(*serving)
	return s
}

// startServing prepares this process to serve a mount: log destination
// (c.App.ErrWriter then points there, for every logger made after),
// metrics server, lifecycle events. It stores the state in c.Context and
// returns the function that releases it.
func startServing(c *cli.Context, child *daemonChild) (func(), error) {
	logs, err := openLogSink(c, child != nil, c.App.ErrWriter)
	if err != nil {
		return nil, err
	}
	errs := &errorRing{}
	c.App.ErrWriter = errs.tee(logs.w)
	lo, err := logOptionsFrom(c)
	if err != nil {
		logs.Close()
		return nil, usageErrorf("mount", "%v", err)
	}
	s := &serving{logs: logs, timeout: c.Duration(flagShutdownTimeout), started: time.Now(), errs: errs}
	s.events = &lifecycle{
		notify:  newNotifier(os.Getenv),
		child:   child,
		notes:   notesOf(logs.note),
		toUser:  !logs.stderr,
		logFile: logs.file,
		log:     newLogger(logs.w, lo, os.Getenv).With("component", "lifecycle"),
	}
	os.Unsetenv("NOTIFY_SOCKET") // for us only, not for helpers we run
	// Metrics are always counted: `objfs status` reads them; the HTTP
	// server runs only with --metrics-addr.
	if err := s.startMetrics(c.String(flagMetricsAddr)); err != nil {
		logs.Close()
		return nil, err
	}
	if s.metricsSrv != nil {
		s.events.log.Info("serving metrics", "addr", "http://"+s.metricsSrv.Addr()+"/metrics")
	}
	c.Context = context.WithValue(c.Context, servingKey{}, s)
	return s.stop, nil
}

// startMetrics creates the metrics and listens on addr, if not "".
func (s *serving) startMetrics(addr string) error {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		return err
	}
	if addr == "" {
		s.metrics = m
		return nil
	}
	srv, err := m.Listen(addr)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagMetricsAddr, err)
	}
	s.metrics, s.metricsSrv = m, srv
	return nil
}

// stop removes the pid file, closes the metrics server and the log
// destination.
func (s *serving) stop() {
	if s.events.removePid != nil {
		s.events.removePid()
	}
	if s.metricsSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.metricsSrv.Close(ctx)
		cancel()
	}
	s.logs.Close()
}

// apply gives sd the process's events and shutdown bound, unless set.
func (s *serving) apply(sd shutdownConfig) shutdownConfig {
	if s == nil {
		return sd
	}
	if sd.Events == nil {
		sd.Events = s.events
	}
	if s.timeout > 0 {
		sd.DrainTimeout, sd.CloseTimeout = s.timeout, s.timeout
	}
	return sd
}

// checkMetricsAddr validates --metrics-addr before anything starts.
func checkMetricsAddr(addr string) error {
	if addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usageErrorf("mount", "invalid --%s %q: want HOST:PORT, e.g. 127.0.0.1:9464", flagMetricsAddr, addr)
	}
	return nil
}

// observeRequests wraps an S3 client (under the retry decorator) so that
// metrics count every request, when metrics are on.
func observeRequests(ctx context.Context, c remote.Client) remote.Client {
	if s := servingFrom(ctx); s != nil && s.metrics != nil {
		return s.metrics.WrapClient(c)
	}
	return c
}

// observeConnectorRequests is observeRequests for the client of the
// connector labelled label: its requests and bytes are also counted per
// connector.
func observeConnectorRequests(ctx context.Context, c remote.Client, label string) remote.Client {
	if s := servingFrom(ctx); s != nil && s.metrics != nil {
		return s.metrics.WrapConnectorClient(c, label)
	}
	return c
}

// fsObserver is the fs.Observer of the metrics, or nil.
func fsObserver(ctx context.Context) fs.Observer {
	if s := servingFrom(ctx); s != nil && s.metrics != nil {
		return s.metrics
	}
	return nil
}

// registerTrees exports the caches and uploads of f's trees.
func registerTrees(ctx context.Context, f flusher) {
	s := servingFrom(ctx)
	if s == nil || s.metrics == nil {
		return
	}
	seen := map[*cache.Blocks]bool{}
	for _, t := range treesOf(f) {
		ownBlocks := !seen[t.BlockCache()] // trees may share one block cache: count it once
		seen[t.BlockCache()] = true
		s.metrics.AddSource(func() metrics.Stats {
			cs, p := t.CacheStats(), t.PendingUploads()
			pf := t.PrefetchStats()
			st := metrics.Stats{Meta: cs.Meta, PendingFiles: int64(p.Files), PendingBytes: p.Bytes,
				PrefetchIssued: pf.Issued, PrefetchHits: pf.Hits, PrefetchWasted: pf.Wasted}
			if ownBlocks {
				st.Blocks = cs.Blocks
			}
			return st
		})
	}
}

// treesOf returns the trees behind a flusher: the tree of a one-source
// mount, or every connector's.
func treesOf(f flusher) []*vfs.FS {
	switch t := f.(type) {
	case *vfs.FS:
		return []*vfs.FS{t}
	case treesCloser:
		out := make([]*vfs.FS, 0, len(t))
		for _, l := range t {
			out = append(out, l.FS)
		}
		return out
	}
	return nil
}

// pendingReporter is a flusher that knows its pending uploads (tests).
type pendingReporter interface {
	PendingUploads() writeback.Pending
}

// pendingOf returns a function that sums the pending uploads of f's
// trees.
func pendingOf(f flusher) func() writeback.Pending {
	if r, ok := f.(pendingReporter); ok {
		return r.PendingUploads
	}
	trees := treesOf(f)
	return func() writeback.Pending {
		var sum writeback.Pending
		for _, t := range trees {
			sum.Add(t.PendingUploads())
		}
		return sum
	}
}

// lifecycle reports readiness, status and stopping to systemd (when
// NOTIFY_SOCKET was set) and readiness to the daemon's parent (in a
// daemon child). It holds no mutable state.
type lifecycle struct {
	notify *notifier
	child  *daemonChild
	// notes are printed on stderr when ready (logSink.note, warnUser),
	// one line each.
	notes []string
	// toUser: logs do not reach the user's stderr, so warnUser adds
	// its warnings to notes.
	toUser  bool
	logFile *os.File
	log     *slog.Logger
	// removePid removes the pid file written when ready (set by Ready,
	// called by serving.stop on the same goroutine).
	removePid func()
}

// Ready is called once the mount answers.
func (l *lifecycle) Ready(mountpoint string) error {
	for _, n := range l.notes {
		fmt.Fprintln(os.Stderr, n)
	}
	remove, err := writePidFile(mountpoint)
	if err != nil {
		l.log.Warn("cannot record the pid for objfs umount", "err", err)
	}
	l.removePid = remove
	l.send("READY=1\n" + status("Serving %s", mountpoint))
	return l.child.Ready(l.logFile)
}

func (l *lifecycle) Status(s string) { l.send(status("%s", s)) }

func (l *lifecycle) Stopping() { l.send("STOPPING=1\n" + status("Stopping: unmounting")) }

func (l *lifecycle) send(state string) {
	if err := l.notify.Send(state); err != nil {
		l.log.Warn("cannot notify systemd", "err", err)
	}
}

// notesOf is the notes list holding note, if any.
func notesOf(note string) []string {
	if note == "" {
		return nil
	}
	return []string{note}
}

// warnUser logs msg as a warning and, when the logs do not go to the
// user's stderr (a daemon, --log-file), also prints it there once the
// mount is ready, so that `objfs mount` shows it either way, once.
// Called before ready, on the goroutine that reports it.
func warnUser(ctx context.Context, log *slog.Logger, msg string) {
	if log != nil {
		log.Warn(msg)
	}
	if s := servingFrom(ctx); s != nil && s.events.toUser {
		s.events.notes = append(s.events.notes, "objfs: warning: "+msg)
	}
}
