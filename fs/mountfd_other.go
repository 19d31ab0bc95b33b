//go:build !linux

package fs

import (
	"errors"
	"log/slog"
	"os"
)

var errNoFD = errors.New("a FUSE descriptor mounted by another process is supported on Linux only")

// MountFD is Linux only.
func MountFD(string, MountOptions, *slog.Logger) (*os.File, error) { return nil, errNoFD }

func checkFuseFD(int) error { return errNoFD }

func disablePoll(string) {}
