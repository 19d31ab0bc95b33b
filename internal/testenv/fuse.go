package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// RequireFUSE skips t (or fails it in CI or with OBJFS_REQUIRE_FUSE=1) when
// this machine cannot mount FUSE file systems: not Linux, no usable
// /dev/fuse, or no fusermount3 (which unmounting needs).
func RequireFUSE(t testing.TB) {
	t.Helper()
	if reason := FUSEUnavailable(); reason != "" {
		skipOrFail(t, EnvRequireFUSE, reason)
	}
}

// FUSEUnavailable returns why FUSE mounts cannot be tested here, or "".
func FUSEUnavailable() string {
	if runtime.GOOS != "linux" {
		return "FUSE mount tests run on Linux only (GOOS=" + runtime.GOOS + ")"
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return "/dev/fuse is not usable (" + err.Error() + "): load the fuse module or run the container with --device /dev/fuse"
	}
	f.Close()
	if _, err := exec.LookPath("fusermount3"); err != nil {
		return "fusermount3 not found: run `make tools` (apt-get install -y fuse3)"
	}
	return ""
}

// RequireFUSEFeature skips or fails t, as RequireFUSE does, when a FUSE
// feature the test needs is missing here (reason not empty).
func RequireFUSEFeature(t testing.TB, reason string) {
	t.Helper()
	if reason != "" {
		skipOrFail(t, EnvRequireFUSE, reason)
	}
}
