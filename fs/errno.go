package fs

import (
	"context"
	"errors"
	"syscall"

	"github.com/objfs/objfs/remote"
)

// errnoTable maps errors to errno, first match wins (errors.Is). Anything
// not listed is EIO. This is the only place where storage errors become
// errno values; go-fuse's fs.ToErrno is never used for them, and ENOSYS is
// never returned for a runtime failure (the kernel would remember it for
// the whole mount).
var errnoTable = []struct {
	err   error
	errno syscall.Errno
}{
	// A FUSE interrupt cancels the request context: the caller was
	// interrupted by a signal and will retry or give up.
	{context.Canceled, syscall.EINTR},
	{remote.ErrNotFound, syscall.ENOENT},
	{remote.ErrAccessDenied, syscall.EACCES},
	// A read pinned to the ETag seen at open, after the object changed.
	{remote.ErrPreconditionFailed, syscall.EIO},
	{remote.ErrNotEmpty, syscall.ENOTEMPTY},
	{remote.ErrExists, syscall.EEXIST},
	{remote.ErrInvalidArgument, syscall.EINVAL},
	// Deadlines and transient failures (retries exhausted) end as EIO.
	{context.DeadlineExceeded, syscall.EIO},
	{remote.ErrTransient, syscall.EIO},
	{remote.ErrUnreachable, syscall.EIO},
}

// toErrno maps err to an errno using errnoTable; nil is 0 and unknown
// errors are EIO.
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	if errors.As(err, &errno) && errno != 0 && errno != syscall.ENOSYS {
		return errno
	}
	for _, row := range errnoTable {
		if errors.Is(err, row.err) {
			return row.errno
		}
	}
	return syscall.EIO
}

// fail maps err for operation op on path to an errno and logs it once, at
// a level that fits: a missing name or an interrupted call is routine
// (debug), denied access is one clear warning, anything else an error.
func (f *FS) fail(op, path string, err error) syscall.Errno {
	errno := toErrno(err)
	switch errno {
	case syscall.ENOENT, syscall.EINTR:
		f.log.Debug(op, "path", path, "errno", errno.Error(), "err", err)
	case syscall.EACCES:
		f.log.Warn("access denied by the server: check the credentials and the bucket policy",
			"op", op, "path", path, "err", err)
	default:
		f.log.Error(op+" failed", "path", path, "errno", errno.Error(), "err", err)
	}
	return errno
}
