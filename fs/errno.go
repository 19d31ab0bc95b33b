package fs

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// errNoAttr is "no such extended attribute": ENODATA on Linux, ENOATTR
// on macOS and FreeBSD.
const errNoAttr = syscall.Errno(fuse.ENOATTR)

// errnoTable maps errors to errno, first match wins (errors.Is). Anything
// not listed is EIO. This is the only place where errors of the core and
// of the storage become errno values; go-fuse's fs.ToErrno is never used
// for them, and ENOSYS is never returned for a runtime failure (the
// kernel would remember it for the whole mount).
var errnoTable = []struct {
	err   error
	errno syscall.Errno
}{
	// A FUSE interrupt cancels the request context: the caller was
	// interrupted by a signal and will retry or give up.
	{context.Canceled, syscall.EINTR},
	{remote.ErrNotFound, syscall.ENOENT},
	{remote.ErrAccessDenied, syscall.EACCES},
	// Refusals by a connector's policy, before any request was sent.
	{remote.ErrDenied, syscall.EACCES},
	{remote.ErrReadOnly, syscall.EROFS},
	{remote.ErrCrossDevice, syscall.EXDEV},
	// A read pinned to the ETag seen at open, after the object changed.
	{remote.ErrPreconditionFailed, syscall.EIO},
	{vfs.ErrChanged, syscall.EIO},
	{remote.ErrNotEmpty, syscall.ENOTEMPTY},
	{remote.ErrExists, syscall.EEXIST},
	{remote.ErrInvalidArgument, syscall.EINVAL},
	{vfs.ErrIsDir, syscall.EISDIR},
	{vfs.ErrNotDir, syscall.ENOTDIR},
	{vfs.ErrNotPermitted, syscall.EPERM},
	{vfs.ErrNameTooLong, syscall.ENAMETOOLONG},
	{vfs.ErrFileTooBig, syscall.EFBIG},
	{vfs.ErrNotSupported, syscall.EOPNOTSUPP},
	{vfs.ErrNoAttr, errNoAttr},
	{vfs.ErrIO, syscall.EIO},
	// Deadlines and transient failures (retries exhausted) end as EIO.
	{context.DeadlineExceeded, syscall.EIO},
	{remote.ErrTransient, syscall.EIO},
	{remote.ErrUnreachable, syscall.EIO},
}

// toErrno maps err to an errno using errnoTable; nil is 0 and unknown
// errors are EIO. For a storage error (remote.Error) its class (Kind)
// decides, not the causes it wraps: a stalled attempt's cause is the
// context.Canceled of its own timer, which is no interrupt (EINTR), and a
// dead endpoint's is ECONNREFUSED, which no file API returns; both are
// EIO. Otherwise an errno in the chain is passed through (ENOSPC from the
// staging disk). A failure of the write path (vfs.WriteError) keeps only
// the errnos a writer can act on: EEXIST for an exclusive create that
// lost, EACCES, EROFS and EXDEV for refusals, ENOSPC and EDQUOT for a
// full staging disk, EINTR when the caller was interrupted before
// anything was lost, ENOENT outside flush and fsync; everything else is
// EIO.
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var we *vfs.WriteError
	if errors.As(err, &we) {
		return writeErrno(we)
	}
	var errno syscall.Errno
	var storage *remote.Error
	switch {
	case errors.As(err, &storage):
		if err = storage.Kind; err == nil {
			return syscall.EIO
		}
	case errors.As(err, &errno) && errno != 0 && errno != syscall.ENOSYS:
		return errno
	}
	for _, row := range errnoTable {
		if errors.Is(err, row.err) {
			return row.errno
		}
	}
	return syscall.EIO
}

// writeErrno is toErrno for a failure of the write path.
func writeErrno(we *vfs.WriteError) syscall.Errno {
	if errors.Is(we.Err, vfs.ErrExist) {
		return syscall.EEXIST
	}
	switch e := toErrno(we.Err); e {
	case syscall.EACCES, syscall.EROFS, syscall.EXDEV, syscall.ENOSPC, syscall.EDQUOT, syscall.EINTR:
		return e
	case syscall.ENOENT:
		if we.Op != "flush" && we.Op != "fsync" {
			return e
		}
	}
	return syscall.EIO
}

// fail maps err for operation op on the path pathOf returns to an errno and logs it once, at
// a level that fits: a missing name, an interrupted call, a refused change
// (EROFS, EXDEV, or a connector's refusal, which the core logged with its
// rule) or an answer about the tree itself (ENOTEMPTY for rmdir of a full
// directory, EEXIST, EISDIR...) is routine (debug), as is a failure of the
// write path (writeback logged it with its key); a connector's denial
// found by the storage decorator is info (with the rule that decided),
// access denied by the server is one clear warning, a connector's pinned
// version that is gone is debug (the tree warned once), anything else an
// error.
func fail(log *slog.Logger, op string, pathOf func() string, err error) syscall.Errno {
	errno := toErrno(err)
	// Routine failures (a lookup of a missing name is one) are debug
	// records, mostly not written: their path is built only if they are.
	debug := func(msg string, args ...any) {
		if log.Enabled(context.Background(), slog.LevelDebug) {
			log.Debug(msg, append([]any{"path", pathOf()}, args...)...)
		}
	}
	var we *vfs.WriteError
	var refused *vfs.Refused
	switch {
	case errors.As(err, &we), errors.As(err, &refused):
		debug(op+" failed", "errno", errno.Error(), "err", err)
		return errno
	}
	switch errno {
	case syscall.ENOENT, syscall.EINTR, syscall.EROFS, syscall.EXDEV, syscall.ENOTEMPTY, syscall.EEXIST,
		syscall.EISDIR, syscall.ENOTDIR, syscall.EPERM, syscall.EINVAL, syscall.ENAMETOOLONG, syscall.EOPNOTSUPP,
		syscall.EFBIG, errNoAttr:
		debug(op, "errno", errno.Error(), "err", err)
	case syscall.EACCES:
		if errors.Is(err, remote.ErrDenied) {
			// The tree logged it ("denied by connector", rate-limited).
			debug("denied by the connector's paths", "op", op, "err", err)
			break
		}
		log.Warn("access denied by the server: check the credentials and the bucket policy",
			"op", op, "path", pathOf(), "err", err)
	default:
		if errors.Is(err, vfs.ErrChanged) || errors.Is(err, vfs.ErrIO) || errors.Is(err, remote.ErrPinnedGone) {
			// The tree logged these once, with what to do about them.
			debug(op, "errno", errno.Error(), "err", err)
			break
		}
		log.Error(op+" failed", "path", pathOf(), "errno", errno.Error(), "err", err)
	}
	return errno
}
