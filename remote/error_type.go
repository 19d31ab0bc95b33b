package remote

import (
	"fmt"
	"strings"
	"time"
)

// Error is one failed storage request. Kind is its class — one of the
// sentinels in errors.go, context.Canceled / context.DeadlineExceeded when
// the caller's context ended, or nil when the failure fits no class — and
// Err is the cause as received, kept for logs. errors.Is matches both, so
// callers test errors.Is(err, ErrNotFound) while the message still shows the
// S3 error code, status and request id.
type Error struct {
	Op     string // operation name, e.g. OpGet ("GetObject")
	Bucket string
	Key    string
	Kind   error  // class; nil when unclassified
	Code   string // S3 error code ("NoSuchKey"); empty without a response body
	Status int    // HTTP status; 0 when no response arrived
	// Message is the server's or transport's explanation, shown instead of
	// Err's text when set (SDK errors repeat the operation and status).
	Message string
	Err     error // underlying cause; may be nil
	// heard is when the server last showed signs of working on a request
	// that then timed out (server-side copies, s3_deadline.go); zero when
	// it showed none. The request was silent only since then.
	heard time.Time
}

// Error formats as "s3 OP BUCKET/KEY: KIND: DETAIL" (without "/KEY" for
// bucket operations).
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "s3 %s", e.Op)
	switch {
	case e.Key != "":
		fmt.Fprintf(&b, " %s/%s", e.Bucket, e.Key)
	case e.Bucket != "":
		fmt.Fprintf(&b, " %s", e.Bucket)
	}
	if e.Kind != nil {
		fmt.Fprintf(&b, ": %v", e.Kind)
	}
	if d := e.detail(); d != "" {
		fmt.Fprintf(&b, ": %s", d)
	}
	return b.String()
}

func (e *Error) detail() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	var head string
	switch {
	case e.Code != "" && e.Status != 0:
		head = fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	case e.Code != "":
		head = e.Code
	case e.Status != 0:
		head = fmt.Sprintf("HTTP %d", e.Status)
	}
	switch {
	case head != "" && msg != "":
		return head + ": " + msg
	case head != "":
		return head
	}
	return msg
}

// Unwrap exposes both the class and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
