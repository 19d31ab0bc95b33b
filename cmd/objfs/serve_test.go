package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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
// already unmounted then.
type fakeFS struct {
	mu           sync.Mutex
	srv          *fakeServer
	closed       int
	deadline     bool
	afterUnmount bool
	err          error
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

func fastShutdown(lazy func(string) error) shutdownConfig {
	sd := shutdownConfig{UnmountAttempts: 3, UnmountBackoff: time.Millisecond, ExitWait: 50 * time.Millisecond, Lazy: lazy}
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
	err := waitAndShutdown(context.Background(), discardLog(), f, srv, "/mnt/x", fastShutdown(noLazy(t)))
	if err != nil || f.closed != 1 || srv.unmounts != 0 {
		t.Fatalf("err %v, closed %d, unmounts %d; want nil, 1, 0", err, f.closed, srv.unmounts)
	}
}

func TestShutdownRetriesBusyUnmount(t *testing.T) {
	srv := newFakeServer(2)
	f := &fakeFS{srv: srv}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	if err := waitAndShutdown(ctx, log, f, srv, "/mnt/x", fastShutdown(noLazy(t))); err != nil {
		t.Fatal(err)
	}
	if srv.unmounts != 3 {
		t.Errorf("%d unmount calls, want 3", srv.unmounts)
	}
	if n := strings.Count(buf.String(), "unmount failed, retrying"); n != 2 {
		t.Errorf("%d retry warnings, want 2:\n%s", n, buf.String())
	}
}

func TestShutdownFallsBackToLazy(t *testing.T) {
	srv := newFakeServer(100)
	f := &fakeFS{srv: srv}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var lazied []string
	lazy := func(mp string) error { lazied = append(lazied, mp); srv.end(); return nil }
	if err := waitAndShutdown(ctx, discardLog(), f, srv, "/mnt/x", fastShutdown(lazy)); err != nil {
		t.Fatal(err)
	}
	if srv.unmounts != 3 || len(lazied) != 1 || lazied[0] != "/mnt/x" {
		t.Errorf("unmounts %d, lazy %q; want 3 then one lazy on /mnt/x", srv.unmounts, lazied)
	}

	// The lazy detach failing too is an error that names both causes.
	srv = newFakeServer(100)
	err := waitAndShutdown(ctx, discardLog(), f, srv, "/mnt/x", fastShutdown(func(string) error { return errors.New("no helper") }))
	if err == nil || !strings.Contains(err.Error(), "Device or resource busy") || !strings.Contains(err.Error(), "no helper") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q", err)
	}
}

func TestShutdownReportsFlushFailure(t *testing.T) {
	srv := newFakeServer(0)
	f := &fakeFS{srv: srv, err: io.ErrShortWrite}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := waitAndShutdown(ctx, discardLog(), f, srv, "/mnt/x", fastShutdown(noLazy(t)))
	if !errors.Is(err, io.ErrShortWrite) || srv.unmounts != 1 {
		t.Errorf("err %v, unmounts %d; want the flush error and still an unmount", err, srv.unmounts)
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
