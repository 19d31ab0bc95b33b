package testenv

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// minioVersionFile holds the pinned github.com/minio/minio module version.
// The Makefile reads the same file, so `make tools` installs exactly what
// MinIOBinary looks for.
//
//go:embed minio.version
var minioVersionFile string

// MinIOModule is the Go module that `make tools` installs MinIO from.
const MinIOModule = "github.com/minio/minio"

// MinIOVersion returns the pinned MinIO module version (a Go
// pseudo-version: the module proxy cannot resolve MinIO's RELEASE tags).
func MinIOVersion() string {
	return strings.TrimSpace(minioVersionFile)
}

// MinIOInstallDir is where `make tools` puts the pinned MinIO:
// CacheDir()/objfs/tools/minio-DATE, DATE being the first eight digits of
// the pseudo-version's timestamp (v0.0.0-20260212201848-... -> 20260212).
func MinIOInstallDir() string {
	return filepath.Join(CacheDir(), "objfs", "tools", "minio-"+versionDate(MinIOVersion()))
}

// versionDate returns the YYYYMMDD part of a Go pseudo-version, or the whole
// version when it is not one.
func versionDate(v string) string {
	parts := strings.Split(v, "-")
	if len(parts) >= 2 && len(parts[1]) >= 8 {
		return parts[1][:8]
	}
	return v
}

// CacheDir is $XDG_CACHE_HOME, or ~/.cache when it is unset, on every OS
// (the Makefile uses the same rule, so both agree on macOS too).
func CacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "objfs-cache")
	}
	return filepath.Join(home, ".cache")
}

// MinIOBinary finds the minio executable: $OBJFS_MINIO, else the pinned
// install in MinIOInstallDir, else minio on $PATH. The error says how to
// install it.
func MinIOBinary() (string, error) {
	if p := os.Getenv("OBJFS_MINIO"); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("OBJFS_MINIO=%s: %w", p, err)
		}
		return p, nil
	}
	pinned := filepath.Join(MinIOInstallDir(), "minio")
	if checkExecutable(pinned) == nil {
		return pinned, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("minio not found (not in $OBJFS_MINIO, %s or $PATH): run `make tools` "+
		"to install %s@%s there (GOBIN=%s go install %s@%s)",
		pinned, MinIOModule, MinIOVersion(), MinIOInstallDir(), MinIOModule, MinIOVersion())
}

// checkExecutable reports why path is not an executable regular file.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not executable")
	}
	return nil
}
