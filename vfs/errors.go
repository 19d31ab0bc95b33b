package vfs

import (
	"errors"
	"fmt"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// The errors of the core that are not storage errors. Every error a vfs
// call returns is one of these, a remote sentinel (remote.ErrNotFound...),
// a context error, an operating-system errno from the staging disk, or a
// *WriteError around any of them; the FUSE adapter maps them through its
// one errno table (fs/errno.go).
var (
	// The ones storage calls also return are remote's own sentinels.
	ErrNotExist    = remote.ErrNotFound        // ENOENT
	ErrExist       = remote.ErrExists          // EEXIST
	ErrNotEmpty    = remote.ErrNotEmpty        // ENOTEMPTY
	ErrInvalid     = remote.ErrInvalidArgument // EINVAL
	ErrReadOnly    = remote.ErrReadOnly        // EROFS
	ErrCrossDevice = remote.ErrCrossDevice     // EXDEV

	ErrIsDir        = errors.New("is a directory")          // EISDIR
	ErrNotDir       = errors.New("not a directory")         // ENOTDIR
	ErrNotPermitted = errors.New("operation not permitted") // EPERM
	ErrNameTooLong  = errors.New("file name too long")      // ENAMETOOLONG
	ErrNotSupported = errors.New("operation not supported") // EOPNOTSUPP
	ErrIO           = errors.New("input/output error")      // EIO
	// ErrFileTooBig: a size past MaxFileSize, which no object can have
	// (EFBIG), refused before anything is written or sent.
	ErrFileTooBig = errors.New("file too large")
	// ErrChanged: an open file's object changed or was deleted by another
	// client since the open pinned its version (EIO).
	ErrChanged = errors.New("object changed while open")
)

// Refused is a change a connector's policy refused before anything was
// sent (already logged with its rule at debug level); it wraps
// remote.ErrReadOnly, ErrDenied, ErrCrossDevice or ErrNotFound.
type Refused struct {
	Rule string
	Err  error
}

func (e *Refused) Error() string { return e.Rule + ": " + e.Err.Error() }
func (e *Refused) Unwrap() error { return e.Err }

// WriteError is a failure of the write path (a write, a commit, a copy,
// a truncate) in operation Op. writeback has logged it with its key. Its
// errno is narrower than a plain error's: EEXIST for an exclusive create
// that lost, the refusals (EACCES, EROFS, EXDEV), a full staging disk
// (ENOSPC, EDQUOT), EINTR, ENOENT outside flush and fsync, and EIO for
// everything else (fs/errno.go).
type WriteError struct {
	Op  string
	Err error
}

func (e *WriteError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }
func (e *WriteError) Unwrap() error { return e.Err }

// writeFailed wraps err as a failure of the write path; an exclusive
// create that lost (writeback.ErrExists) is ErrExist.
func writeFailed(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, writeback.ErrExists) {
		err = fmt.Errorf("%w: %w", ErrExist, err)
	}
	return &WriteError{Op: op, Err: err}
}
