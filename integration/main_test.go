//go:build linux

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// binDir holds the objfs binary built for this run.
var binDir string

func TestMain(m *testing.M) {
	sweepStale()
	dir, err := makeOwnedTemp(binDirPrefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := testenv.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

var built struct {
	once sync.Once
	path string
	err  error
}

// objfsBinary returns the objfs binary under test: $OBJFS_BINARY when set,
// otherwise ./cmd/objfs built once per run with -race (a data race in the
// mount then shows in its log, which Mount's cleanup checks).
func objfsBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if p := os.Getenv("OBJFS_BINARY"); p != "" {
			built.path, built.err = filepath.Abs(p)
			return
		}
		built.path = filepath.Join(binDir, "objfs")
		cmd := exec.Command("go", "build", "-race", "-o", built.path, "github.com/objfs/objfs/cmd/objfs")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build ./cmd/objfs: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// requireMountable skips or fails t unless FUSE mounts work here, and
// returns the shared MinIO.
func requireMountable(t *testing.T) *testenv.Server {
	t.Helper()
	testenv.RequireFUSE(t)
	return testenv.MinIO(t)
}
