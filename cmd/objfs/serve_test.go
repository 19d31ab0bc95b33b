package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/vfs/writeback"
)

// fakeServer stands in for a go-fuse server: Wait blocks until a
// successful Unmount or an external unmount (end); Unmount fails busy
// times first.
type fakeServer struct {
	mu       sync.Mutex
	busy     int // Unmount fails this many times
	unmounts int
	done     chan struct{}
	once     sync.Once
}

func newFakeServer(busy int) *fakeServer { return &fakeServer{busy: busy, done: make(chan struct{})} }

func (s *fakeServer) Wait() { <-s.done }
func (s *fakeServer) end()  { s.once.Do(func() { close(s.done) }) }

func (s *fakeServer) Unmount() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unmounts++
	if s.unmounts <= s.busy {
		return errors.New("fusermount3: failed to unmount: Device or resource busy\n")
	}
	s.end()
	return nil
}

// fakeFS records Close calls, their deadline, and whether the server was
// already unmounted then; pending reports its pending uploads.
type fakeFS struct {
	mu           sync.Mutex
	srv          *fakeServer
	closed       int
	deadline     bool
	afterUnmount bool
	err          error
	pending      func() writeback.Pending
}

func (f *fakeFS) Close(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	_, f.deadline = ctx.Deadline()
	select {
	case <-f.srv.done:
		f.afterUnmount = true
	default:
	}
	return f.err
}

func (f *fakeFS) PendingUploads() writeback.Pending {
	if f.pending == nil {
		return writeback.Pending{}
	}
	return f.pending()
}

// fakeEvents records the lifecycle events in order.
type fakeEvents struct {
	mu     sync.Mutex
	seen   []string
	status []string
}

func (e *fakeEvents) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, s)
}

func (e *fakeEvents) Ready(string) error { e.add("ready"); return nil }
func (e *fakeEvents) Stopping()          { e.add("stopping") }
func (e *fakeEvents) Status(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = append(e.status, s)
}

func (e *fakeEvents) events() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

func fastShutdown(lazy func(string) error) shutdownConfig {
	sd := shutdownConfig{
		DrainTimeout: 5 * time.Second, CloseTimeout: 5 * time.Second,
		Quiet: 50 * time.Millisecond, Poll: 5 * time.Millisecond, Progress: 20 * time.Millisecond,
		Lazy:    lazy,
		Answers: func(string, time.Duration) error { return nil },
		Events:  &fakeEvents{},
	}
	sd.SetDefaults()
	return sd
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func noLazy(t *testing.T) func(string) error {
	return func(string) error { t.Error("lazy unmount used"); return nil }
}

// TestShutdownOnSignal sends a real SIGTERM to the test process: the
// handler must catch it, flush, unmount and return nil.
func TestShutdownOnSignal(t *testing.T) {
	// The absorber sees every SIGTERM, so none can kill the test binary
	// while waitAndShutdown's handler is not (or no longer) installed.
	absorb := make(chan os.Signal, 64)
	signal.Notify(absorb, syscall.SIGTERM)
	srv := newFakeServer(0)
	f := &fakeFS{srv: srv}
	errc := make(chan error, 1)
	go func() {
		errc <- waitAndShutdown(context.Background(), discardLog(), f, srv, "/mnt/x", fastShutdown(noLazy(t)))
	}()
	var err error
	sent := 0
	deadline := time.After(5 * time.Second)
wait:
	for {
		// The handler is installed asynchronously: signal until it answers.
		if kerr := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); kerr != nil {
			t.Fatal(kerr)
		}
		sent++
		select {
		case err = <-errc:
			break wait
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no shutdown after SIGTERM")
		}
	}
	for got := 0; got < sent; got++ { // drain before unregistering
		select {
		case <-absorb:
		case <-time.After(time.Second):
			got = sent
		}
	}
	signal.Stop(absorb)
	if err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if f.closed != 1 || !f.deadline || srv.unmounts != 1 || !f.afterUnmount {
		t.Errorf("closed %d (deadline %v, after unmount %v), unmounts %d; want 1, true, true, 1", f.closed, f.deadline, f.afterUnmount, srv.unmounts)
	}
}

func TestShutdownAfterExternalUnmount(t *testing.T) {
	srv := newFakeServer(0)
	f := &fakeFS{srv: srv}
	srv.end() // someone ran fusermount3 -u
	sd := fastShutdown(noLazy(t))
	err := waitAndShutdown(context.Background(), discardLog(), f, srv, "/mnt/x", sd)
	if err != nil || f.closed != 1 || srv.unmounts != 0 {
		t.Fatalf("err %v, closed %d, unmounts %d; want nil, 1, 0", err, f.closed, srv.unmounts)
	}
	if got := sd.Events.(*fakeEvents).events(); !slices.Equal(got, []string{"ready", "stopping"}) {
		t.Errorf("events %v, want ready then stopping", got)
	}
}

// TestShutdownAfterObjfsUmount: the end of a mount that `objfs umount`
// marked is logged as that, not as an unmount from outside, and the mark
// is gone; an unmarked end still says "from outside".
func TestShutdownAfterObjfsUmount(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	mp := "/mnt/x"
	if err := os.MkdirAll(runtimeDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, marked := range []bool{true, false} {
		if marked {
			markUmount(mp, os.Getpid())
		}
		srv := newFakeServer(0)
		srv.end()
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		if err := waitAndShutdown(context.Background(), log, &fakeFS{srv: srv}, srv, mp, fastShutdown(noLazy(t))); err != nil {
			t.Fatal(err)
		}
		outside := strings.Contains(logs.String(), "unmounted from outside")
		byUmount := strings.Contains(logs.String(), "unmounted by objfs umount")
		if outside == marked || byUmount != marked {
			t.Errorf("marked %v: logs %q", marked, logs.String())
		}
		if _, err := os.Stat(umountMarkPath(mp)); !os.IsNotExist(err) {
			t.Errorf("marked %v: the mark is still there (%v)", marked, err)
		}
	}
	// A mark for another process is not ours to take.
	markUmount(mp, os.Getpid()+1)
	if takeUmountMark(mp) {
		t.Error("took another process's mark")
	}
}

// cancelled returns a context that is already done: shutdown at once.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestShutdownDrainsOpenWrites: a busy mount is detached lazily, and the
// tree is closed only once the last open file was closed (the server
// ended), while uploads were pending all along: a writer in progress
// finishes before the process exits.
func TestShutdownDrainsOpenWrites(t *testing.T) {
	srv := newFakeServer(100)
	var lazied []string
	lazy := func(mp string) error { lazied = append(lazied, mp); return nil }
	f := &fakeFS{srv: srv, pending: func() writeback.Pending { return writeback.Pending{Files: 1, Bytes: 8 << 20} }}
	sd := fastShutdown(lazy)
	closedAt := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the writer closes its file
		closedAt <- time.Now()
		srv.end()
	}()
	if err := waitAndShutdown(cancelled(), discardLog(), f, srv, "/mnt/x", sd); err != nil {
		t.Fatal(err)
	}
	end := <-closedAt
	if !f.afterUnmount || f.closed != 1 {
		t.Fatalf("closed %d, after the last file was closed %v; want 1, true", f.closed, f.afterUnmount)
	}
	if time.Since(end) > 2*time.Second {
		t.Errorf("shutdown lingered %v after the mount was released", time.Since(end))
	}
	if srv.unmounts != 1 || !slices.Equal(lazied, []string{"/mnt/x"}) {
		t.Errorf("unmounts %d, lazy %q; want 1 then one lazy on /mnt/x", srv.unmounts, lazied)
	}
	ev := sd.Events.(*fakeEvents)
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if len(ev.status) == 0 || !strings.Contains(ev.status[0], "waiting for 1 file(s) being written (8M not yet uploaded)") {
		t.Errorf("status lines %q, want progress while waiting", ev.status)
	}
}

// TestDrainEndsWhenNothingPending: files still open but nothing to upload
// (a shell's working directory, a reader): the drain ends after Quiet.
func TestDrainEndsWhenNothingPending(t *testing.T) {
	srv := newFakeServer(100)
	f := &fakeFS{srv: srv}
	start := time.Now()
	if err := waitAndShutdown(cancelled(), discardLog(), f, srv, "/mnt/x", fastShutdown(func(string) error { return nil })); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second || f.closed != 1 {
		t.Fatalf("took %v, closed %d; want a quick close", d, f.closed)
	}
}

// TestDrainBounded: a file written for longer than the drain timeout
// does not hold shutdown forever; another signal ends the wait at once.
func TestDrainBounded(t *testing.T) {
	busy := func() writeback.Pending { return writeback.Pending{Files: 1, Bytes: 1} }
	sd := fastShutdown(nil)
	sd.DrainTimeout = 100 * time.Millisecond
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	start := time.Now()
	drain(log, make(chan struct{}), make(chan os.Signal), busy, sd)
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("drain took %v, want about 100ms", d)
	}
	if !strings.Contains(buf.String(), "--shutdown-timeout") {
		t.Errorf("log %q does not name --shutdown-timeout", buf.String())
	}

	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM
	sd.DrainTimeout = time.Minute
	start = time.Now()
	drain(log, make(chan struct{}), sigs, busy, sd)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("drain after a second signal took %v", d)
	}
}

func TestShutdownLazyFailure(t *testing.T) {
	// The lazy detach failing too is an error that names both causes.
	srv := newFakeServer(100)
	f := &fakeFS{srv: srv}
	err := waitAndShutdown(cancelled(), discardLog(), f, srv, "/mnt/x", fastShutdown(func(string) error { return errors.New("no helper") }))
	if err == nil || !strings.Contains(err.Error(), "Device or resource busy") || !strings.Contains(err.Error(), "no helper") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q", err)
	}
	if f.closed != 1 {
		t.Errorf("closed %d times, want 1: pending uploads are flushed whatever happened", f.closed)
	}
}

func TestShutdownReportsFlushFailure(t *testing.T) {
	srv := newFakeServer(0)
	f := &fakeFS{srv: srv, err: io.ErrShortWrite}
	err := waitAndShutdown(cancelled(), discardLog(), f, srv, "/mnt/x", fastShutdown(noLazy(t)))
	if !errors.Is(err, io.ErrShortWrite) || srv.unmounts != 1 {
		t.Errorf("err %v, unmounts %d; want the flush error and still an unmount", err, srv.unmounts)
	}
}

// TestMountThatDoesNotAnswer: when the new mount does not answer, it is
// not reported ready; it is unmounted and the error returned.
func TestMountThatDoesNotAnswer(t *testing.T) {
	srv := newFakeServer(0)
	f := &fakeFS{srv: srv}
	sd := fastShutdown(noLazy(t))
	sd.Answers = func(string, time.Duration) error { return errors.New("stat /mnt/x did not answer") }
	err := waitAndShutdown(context.Background(), discardLog(), f, srv, "/mnt/x", sd)
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err %v", err)
	}
	if srv.unmounts != 1 || f.closed != 1 {
		t.Errorf("unmounts %d, closed %d; want 1, 1", srv.unmounts, f.closed)
	}
	if got := sd.Events.(*fakeEvents).events(); len(got) != 0 {
		t.Errorf("events %v for a mount that never answered", got)
	}
}

// TestMountAnswers: a directory that is not a mount point is refused; a
// real mount point (/proc, when there is one) is accepted.
func TestMountAnswers(t *testing.T) {
	dir := t.TempDir()
	if err := mountAnswers(dir, 10*time.Second); err == nil || !strings.Contains(err.Error(), "not a mount point") {
		t.Errorf("plain directory: %v", err)
	}
	if err := mountAnswers(filepath.Join(dir, "missing"), 10*time.Second); err == nil {
		t.Error("missing directory accepted")
	}
	if _, err := os.Stat("/proc/self"); err == nil {
		if err := mountAnswers("/proc", 10*time.Second); err != nil {
			t.Errorf("/proc: %v", err)
		}
	}
}

func TestMountArgs(t *testing.T) {
	if src, mp, err := mountArgs([]string{"s3://b", "/mnt"}); err != nil || src != "s3://b" || mp != "/mnt" {
		t.Errorf("got %q %q %v", src, mp, err)
	}
	for _, args := range [][]string{nil, {"s3://b"}, {"s3://b", "/mnt", "x"}, {"s3://b", "/mnt", "-o"}, {"--debug", "/mnt"}} {
		var ue *usageError
		if _, _, err := mountArgs(args); !errors.As(err, &ue) {
			t.Errorf("mountArgs(%q) = %v, want a usage error", args, err)
		}
	}
}
