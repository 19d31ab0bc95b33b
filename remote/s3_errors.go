package remote

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/aws/smithy-go"
)

// codeKinds maps S3 error codes to sentinels. A nil value marks a code that
// is deliberately left unclassified (so the status fallback does not apply).
var codeKinds = map[string]error{
	"NoSuchKey":    ErrNotFound,
	"NoSuchBucket": ErrNotFound,
	"NotFound":     ErrNotFound,
	"NoSuchUpload": ErrNotFound,
	// A versionId that names no version of the key.
	"NoSuchVersion": ErrNotFound,

	"AccessDenied":          ErrAccessDenied,
	"Forbidden":             ErrAccessDenied,
	"InvalidAccessKeyId":    ErrAccessDenied,
	"SignatureDoesNotMatch": ErrAccessDenied,
	"AllAccessDisabled":     ErrAccessDenied,
	"AccountProblem":        ErrAccessDenied,
	"ExpiredToken":          ErrAccessDenied,
	"InvalidToken":          ErrAccessDenied,
	"InvalidSecurity":       ErrAccessDenied,

	"PreconditionFailed": ErrPreconditionFailed,
	"InvalidRange":       ErrInvalidRange,

	"BucketAlreadyExists":     ErrExists,
	"BucketAlreadyOwnedByYou": ErrExists,
	"BucketNotEmpty":          ErrNotEmpty,

	"InternalError":              ErrTransient,
	"ServiceUnavailable":         ErrTransient,
	"SlowDown":                   ErrTransient,
	"RequestTimeout":             ErrTransient,
	"OperationAborted":           ErrTransient,
	"ConditionalRequestConflict": ErrTransient,
	// The body did not match its checksum: corrupted in transit, resend.
	"BadDigest":                   ErrTransient,
	"XAmzContentChecksumMismatch": ErrTransient,
	"XAmzContentSHA256Mismatch":   ErrTransient,
	"IncompleteBody":              ErrTransient,

	"InvalidArgument":         ErrInvalidArgument,
	"InvalidBucketName":       ErrInvalidArgument,
	"EntityTooSmall":          ErrInvalidArgument,
	"EntityTooLarge":          ErrInvalidArgument,
	"InvalidPart":             ErrInvalidArgument,
	"InvalidPartOrder":        ErrInvalidArgument,
	"InvalidRequest":          ErrInvalidArgument,
	"MalformedXML":            ErrInvalidArgument,
	"KeyTooLongError":         ErrInvalidArgument,
	"InvalidDigest":           ErrInvalidArgument,
	"InvalidObjectName":       ErrInvalidArgument,
	"XMinioInvalidObjectName": ErrInvalidArgument,

	// A server that lacks a feature will keep lacking it: never retry.
	"NotImplemented": nil,
}

// statusKind classifies by HTTP status when the error code is unknown.
func statusKind(status int) error {
	switch {
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusForbidden, status == http.StatusUnauthorized:
		return ErrAccessDenied
	case status == http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case status == http.StatusRequestedRangeNotSatisfiable:
		return ErrInvalidRange
	case status == http.StatusBadRequest:
		return ErrInvalidArgument
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return ErrTransient
	case status == http.StatusNotImplemented:
		return nil
	case status >= 500:
		return ErrTransient
	}
	return nil
}

// classification is what classify learns from an SDK or transport error.
type classification struct {
	kind    error
	code    string
	status  int
	message string
}

// classify maps an error from the SDK, the HTTP transport or a response
// body to a sentinel. It is the only place that knows SDK error shapes.
func classify(err error) classification {
	var c classification
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) {
		c.status = st.HTTPStatusCode()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		c.code, c.message = api.ErrorCode(), api.ErrorMessage()
		if k, ok := codeKinds[c.code]; ok {
			c.kind = k
			return c
		}
	}
	if c.status >= 200 && c.status < 300 {
		// A success whose answer could not be read: the body was cut
		// off or garbled on its way (a truncated XML document). The
		// request may have been applied, as when a reset loses an
		// answer, so it is retried like one.
		c.kind = ErrTransient
		if c.code == "" {
			c.message = "the answer was cut off or unreadable: " + err.Error()
		}
		return c
	}
	if c.status != 0 {
		c.kind = statusKind(c.status)
		return c
	}
	c.kind = networkKind(err)
	return c
}

// networkKind classifies failures without an HTTP response.
func networkKind(err error) error {
	var dnsErr *net.DNSError
	var certErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return nil // wrong TLS setup: retrying will not help
	case errors.As(err, &dnsErr),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return ErrUnreachable
	case errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, context.DeadlineExceeded):
		return ErrTransient
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return ErrTransient
	}
	var sendErr interface{ ConnectionError() bool }
	if errors.As(err, &sendErr) && sendErr.ConnectionError() {
		return ErrTransient // the request or its response was cut off
	}
	return nil
}

// requestID returns the S3 request id carried by err, if any.
func requestID(err error) string {
	var r interface{ ServiceRequestID() string }
	if errors.As(err, &r) {
		return r.ServiceRequestID()
	}
	return ""
}
