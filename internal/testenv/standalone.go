package testenv

import "testing"

// Start starts a MinIO server outside of any test, for programs such as
// `make bench`: on 127.0.0.1, in a fresh temporary directory, with fresh
// credentials. The caller must call Destroy. (Tests use MinIO or NewMinIO,
// which clean up by themselves.) The child dies with the calling process
// (Pdeathsig), and a later test run sweeps the directory of a caller that
// crashed.
func Start() (*Server, error) {
	bin, err := MinIOBinary()
	if err != nil {
		return nil, err
	}
	return startServer(bin)
}

// Destroy stops a server started by Start and removes its data.
func (s *Server) Destroy() error { return s.destroy() }

// memDir is where NewMemMinIO keeps its data when it is a tmpfs.
const memDir = "/dev/shm"

// NewMemMinIO is NewMinIO with the data in memory (memDir, when it is a
// tmpfs; the temp dir otherwise), for tests that seed many objects: MinIO
// writes every object's metadata with O_DSYNC, which costs milliseconds
// per object on a disk and nothing on tmpfs. Not for large objects, which
// take RAM.
func NewMemMinIO(t testing.TB) *Server {
	t.Helper()
	bin := minioOrSkip(t)
	parent := ""
	if isTmpfs(memDir) {
		parent = memDir
	}
	srv, err := startServerIn(bin, parent)
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
