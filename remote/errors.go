package remote

import "errors"

// Sentinel errors. Implementations wrap them (fmt.Errorf("...: %w", ErrX))
// so that callers classify failures with errors.Is and keep the detail for
// logs. fs maps them to errno in exactly one table (fs/errno.go).
var (
	// ErrNotFound: NoSuchKey, NoSuchBucket, 404.
	ErrNotFound = errors.New("not found")
	// ErrAccessDenied: AccessDenied, 403, bad keys or signature.
	ErrAccessDenied = errors.New("access denied")
	// ErrPreconditionFailed: 412, an If-Match or If-None-Match that failed.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrInvalidRange: 416, a range outside the object.
	ErrInvalidRange = errors.New("invalid range")
	// ErrExists: BucketAlreadyExists, BucketAlreadyOwnedByYou.
	ErrExists = errors.New("already exists")
	// ErrNotEmpty: BucketNotEmpty.
	ErrNotEmpty = errors.New("not empty")
	// ErrTransient: 500, 503 SlowDown, connection resets, timeouts: worth a
	// retry. After retries are exhausted the error still wraps it.
	ErrTransient = errors.New("transient failure")
	// ErrUnreachable: the endpoint does not answer at all (DNS failure,
	// connection refused). Transient for retries, but reported as such at
	// mount time.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrInvalidArgument: the request itself was malformed (bad bucket name,
	// entity too small, ...). Not retried.
	ErrInvalidArgument = errors.New("invalid argument")

	// Policy refusals: a connector (Restrict) or a read-only mount refused
	// the call before sending any request. They are never retried and are
	// distinct from ErrAccessDenied, which means the server said 403.

	// ErrDenied: the path is outside the connector's patterns (EACCES).
	ErrDenied = errors.New("denied by connector policy")
	// ErrReadOnly: the connector (or the mount) is read-only (EROFS).
	ErrReadOnly = errors.New("read-only")
	// ErrCrossDevice: the call would cross connectors or buckets (EXDEV).
	ErrCrossDevice = errors.New("cross-device")
)

// ErrNoAnswer marks a request that got no answer within its deadline
// (no response byte, or a transfer that stopped moving): the server may be
// frozen. It is a kind of ErrTransient (errors.Is(ErrNoAnswer,
// ErrTransient) holds), so it is retried like one; WithRetry also uses it
// to notice a server that has stopped answering altogether (retry.go).
var ErrNoAnswer error = noAnswer{}

type noAnswer struct{}

func (noAnswer) Error() string        { return "no answer from the server" }
func (noAnswer) Is(target error) bool { return target == ErrTransient }

// IsRetryable reports whether err is worth retrying.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrTransient) || errors.Is(err, ErrUnreachable)
}
