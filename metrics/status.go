package metrics

import (
	"context"
	"errors"
	"strconv"
	"syscall"

	"github.com/objfs/objfs/remote"
)

// Status classes of S3 requests: the HTTP status class when a response
// arrived; "network" when none did (refused, reset, timed out); "canceled"
// when the caller gave up first (an interrupted FUSE request).
const (
	status2xx      = "2xx"
	statusNetwork  = "network"
	statusCanceled = "canceled"
)

var httpClasses = [6]string{"", "1xx", "2xx", "3xx", "4xx", "5xx"}

// clientErrorKinds are failures that only an HTTP answer can carry: a
// client (such as the in-memory fake) that reports them without a status
// still counts as 4xx.
var clientErrorKinds = []error{
	remote.ErrNotFound, remote.ErrAccessDenied, remote.ErrPreconditionFailed,
	remote.ErrInvalidRange, remote.ErrExists, remote.ErrNotEmpty, remote.ErrInvalidArgument,
}

// statusClass classifies the outcome of one request.
func statusClass(err error) string {
	if err == nil {
		return status2xx
	}
	if st := httpStatus(err); st >= 100 && st < 600 {
		return httpClasses[st/100]
	}
	if errors.Is(err, context.Canceled) {
		return statusCanceled
	}
	for _, kind := range clientErrorKinds {
		if errors.Is(err, kind) {
			return httpClasses[4]
		}
	}
	return statusNetwork
}

// httpStatus returns the first HTTP status that a remote.Error in err's
// tree carries (a decorator may wrap the request's error in another
// remote.Error without one), or 0.
func httpStatus(err error) int {
	if e, ok := err.(*remote.Error); ok && e.Status != 0 {
		return e.Status
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			return httpStatus(next)
		}
	case interface{ Unwrap() []error }:
		for _, next := range u.Unwrap() {
			if st := httpStatus(next); st != 0 {
				return st
			}
		}
	}
	return 0
}

// errnoNames are the errnos a FUSE operation of objfs can answer with;
// any other is labelled by number, so the label set stays small.
var errnoNames = map[syscall.Errno]string{
	syscall.EPERM: "EPERM", syscall.ENOENT: "ENOENT", syscall.EINTR: "EINTR",
	syscall.EIO: "EIO", syscall.EBADF: "EBADF", syscall.EAGAIN: "EAGAIN",
	syscall.ENOMEM: "ENOMEM", syscall.EACCES: "EACCES", syscall.EBUSY: "EBUSY",
	syscall.EEXIST: "EEXIST", syscall.EXDEV: "EXDEV", syscall.ENOTDIR: "ENOTDIR",
	syscall.EISDIR: "EISDIR", syscall.EINVAL: "EINVAL", syscall.EFBIG: "EFBIG",
	syscall.ENOSPC: "ENOSPC", syscall.ESPIPE: "ESPIPE", syscall.EROFS: "EROFS",
	syscall.ERANGE: "ERANGE", syscall.ENAMETOOLONG: "ENAMETOOLONG",
	syscall.ENOSYS: "ENOSYS", syscall.ENOTEMPTY: "ENOTEMPTY",
	syscall.ENOTSUP: "ENOTSUP", syscall.EDQUOT: "EDQUOT",
	syscall.ENODATA: "ENODATA", syscall.ENOTCONN: "ENOTCONN",
	syscall.ETIMEDOUT: "ETIMEDOUT",
}

// errnoName returns the symbolic name of errno ("ENOENT"), or
// "errno_NUMBER" for one objfs does not expect.
func errnoName(errno syscall.Errno) string {
	if n, ok := errnoNames[errno]; ok {
		return n
	}
	return "errno_" + strconv.Itoa(int(errno))
}
