package testenv

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
)

// shared is the MinIO server shared by the tests of one test binary, when
// its TestMain calls Main or Run.
var shared struct {
	mu      sync.Mutex
	enabled bool    // Run is in charge: share one server, stop it at exit
	srv     *Server // started on first use
	err     error   // why the first start failed; later calls fail alike
}

// Main is a TestMain that shares one MinIO among the package's tests:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs the tests with one shared MinIO, stops it and removes its data
// afterwards (also on SIGINT/SIGTERM), and returns the exit code. Use it
// instead of Main when TestMain has its own set-up and tear-down.
func Run(m *testing.M) int {
	sweepStale()
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	stopOnSignal()
	code := m.Run()
	if err := stopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: stopping the shared MinIO:", err)
	}
	return code
}

// stopOnSignal stops the shared server and exits when the test binary is
// interrupted, so that Ctrl-C leaves no data directory behind. (A killed
// binary's MinIO dies by Pdeathsig; its directory is swept by the next Run.)
func stopOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		stopShared()
		fmt.Fprintln(os.Stderr, "testenv: interrupted by", sig)
		os.Exit(2)
	}()
}

func stopShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		return nil
	}
	srv := shared.srv
	shared.srv = nil
	return srv.destroy()
}

// MinIO returns a running MinIO for t: the binary's shared server when
// TestMain calls Main or Run (restarted if a test stopped it), otherwise a
// server of t's own, stopped and removed by t.Cleanup. Tests that stop the
// server must use NewMinIO instead. Without a MinIO binary t skips, or
// fails when CI=true or OBJFS_REQUIRE_MINIO=1.
func MinIO(t testing.TB) *Server {
	t.Helper()
	bin := minioOrSkip(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		return ownServer(t, bin)
	}
	if shared.err != nil {
		t.Fatalf("shared MinIO failed to start earlier: %v", shared.err)
	}
	if shared.srv == nil {
		shared.srv, shared.err = startServer(bin)
		if shared.err != nil {
			t.Fatalf("start MinIO: %v", shared.err)
		}
	}
	if err := shared.srv.Start(); err != nil { // no-op unless stopped
		t.Fatalf("restart shared MinIO: %v", err)
	}
	return shared.srv
}

// NewMinIO starts a MinIO that belongs to t alone (stopped and removed by
// t.Cleanup), for tests that Stop and Start it.
func NewMinIO(t testing.TB) *Server {
	t.Helper()
	return ownServer(t, minioOrSkip(t))
}

func ownServer(t testing.TB, bin string) *Server {
	t.Helper()
	srv, err := startServer(bin)
	if err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.destroy(); err != nil {
			t.Errorf("stop MinIO: %v", err)
		}
	})
	return srv
}

func minioOrSkip(t testing.TB) string {
	t.Helper()
	bin, err := MinIOBinary()
	if err != nil {
		skipOrFail(t, EnvRequireMinIO, err.Error())
	}
	return bin
}
