package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/vfs"

	"github.com/objfs/objfs/remote"
)

func TestToErrno(t *testing.T) {
	wrapped := &remote.Error{Op: remote.OpGet, Bucket: "b", Key: "k", Kind: remote.ErrPreconditionFailed, Code: "PreconditionFailed", Status: 412}
	tests := []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{remote.ErrNotFound, syscall.ENOENT},
		{fmt.Errorf("head: %w", remote.ErrNotFound), syscall.ENOENT},
		{vfs.ErrNotExist, syscall.ENOENT},
		{remote.ErrAccessDenied, syscall.EACCES},
		{wrapped, syscall.EIO},
		{remote.ErrNotEmpty, syscall.ENOTEMPTY},
		{remote.ErrExists, syscall.EEXIST},
		{remote.ErrInvalidArgument, syscall.EINVAL},
		{remote.ErrTransient, syscall.EIO},
		{remote.ErrUnreachable, syscall.EIO},
		{remote.ErrInvalidRange, syscall.EIO},
		{context.DeadlineExceeded, syscall.EIO},
		{context.Canceled, syscall.EINTR},
		{&remote.Error{Op: remote.OpList, Kind: context.Canceled}, syscall.EINTR},
		{errors.New("something odd"), syscall.EIO},
		{fmt.Errorf("x: %w", syscall.EROFS), syscall.EROFS},
		{syscall.ENOSYS, syscall.EIO},
		// A dead endpoint: the dial's errno must not reach the program.
		{fmt.Errorf("list: %w (gave up after 5 attempts)", &remote.Error{Op: remote.OpList, Kind: remote.ErrUnreachable,
			Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}), syscall.EIO},
		{&remote.Error{Op: remote.OpGet, Kind: remote.ErrTransient, Err: syscall.ECONNRESET}, syscall.EIO},
		{&remote.Error{Op: remote.OpGet, Err: syscall.ETIMEDOUT}, syscall.EIO},
		// An attempt cut by its own stall timer, retries exhausted: the
		// cause is context.Canceled, but nothing was interrupted.
		{fmt.Errorf("%w (gave up after 5 attempts)", &remote.Error{Op: remote.OpPut, Kind: remote.ErrTransient,
			Err: fmt.Errorf("operation error S3: PutObject: %w", context.Canceled)}), syscall.EIO},
		{fmt.Errorf("flush: %w", &remote.Error{Op: remote.OpPut, Kind: remote.ErrNotFound}), syscall.ENOENT},
		{vfs.ErrFileTooBig, syscall.EFBIG},
		{vfs.ErrNameTooLong, syscall.ENAMETOOLONG},
		// A marker MinIO refused for its name's length: the core's class,
		// not the storage error's EINVAL.
		{fmt.Errorf("%w (%v)", vfs.ErrNameTooLong, &remote.Error{Op: remote.OpPut, Kind: remote.ErrInvalidArgument, Code: "XMinioInvalidObjectName"}), syscall.ENAMETOOLONG},
	}
	for _, tt := range tests {
		if got := toErrno(tt.err); got != tt.want {
			t.Errorf("toErrno(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestFailLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if got := fail(log, "read", func() string { return "s3://b/k" }, fmt.Errorf("get: %w", remote.ErrAccessDenied)); got != syscall.EACCES {
		t.Fatalf("errno %v", got)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "access denied") {
		t.Fatalf("access denied not logged clearly: %s", buf.String())
	}
	buf.Reset()
	fail(log, "read", func() string { return "s3://b/k" }, context.Canceled)
	fail(log, "lookup", func() string { return "s3://b/k" }, vfs.ErrNotExist)
	fail(log, "rmdir", func() string { return "s3://b/d" }, remote.ErrNotEmpty)
	fail(log, "mkdir", func() string { return "s3://b/d" }, remote.ErrExists)
	if strings.Contains(buf.String(), "level=WARN") || strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("routine errors logged above debug: %s", buf.String())
	}
	buf.Reset()
	fail(log, "read", func() string { return "s3://b/k" }, remote.ErrTransient)
	if strings.Count(buf.String(), "\n") != 1 || !strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("want one error line: %s", buf.String())
	}
}

// A routine failure (debug) builds no path when debug records are not
// written; a debug log still gets the path.
func TestFailBuildsPathOnlyWhenLogged(t *testing.T) {
	built := 0
	pathOf := func() string { built++; return "s3://b/k" }
	var buf bytes.Buffer
	info := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if got := fail(info, "lookup", pathOf, vfs.ErrNotExist); got != syscall.ENOENT || built != 0 {
		t.Fatalf("errno %v, path built %d times at info level, want ENOENT and 0", got, built)
	}
	debug := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fail(debug, "lookup", pathOf, vfs.ErrNotExist)
	if built != 1 || !strings.Contains(buf.String(), "path=s3://b/k") {
		t.Fatalf("debug record: path built %d times: %s", built, buf.String())
	}
}
