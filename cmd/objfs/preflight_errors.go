package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/objfs/objfs/remote"
)

// target names what the preflight checks, for the messages.
type target struct {
	Endpoint string // the client's resolved endpoint (remote.S3.Endpoint); "" for AWS S3
	Region   string
	Bucket   string // "" for the all-buckets source s3://
	Prefix   string
	// Anonymous: requests are unsigned (--no-sign-request), so a denial
	// is about the bucket's policy, not wrong credentials.
	Anonymous bool
}

// endpoint is how messages name the endpoint.
func (t target) endpoint() string {
	if t.Endpoint != "" {
		return t.Endpoint
	}
	if t.Region != "" {
		return "AWS S3 (" + t.Region + ")"
	}
	return "the default S3 endpoint"
}

// credentialCodes are S3 error codes that mean the keys themselves were
// rejected, as opposed to a missing permission.
var credentialCodes = []string{
	"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken",
	"TokenRefreshRequired", "InvalidClientTokenId", "AuthorizationHeaderMalformed",
	"RequestTimeTooSkewed", "UnrecognizedClientException",
}

// noCredentialsHints are fragments of the SDK's messages when its default
// chain found no credentials at all.
var noCredentialsHints = []string{
	"failed to retrieve credentials", "failed to refresh cached credentials",
	"no EC2 IMDS role found", "static credentials are empty", "get credentials",
}

// describeRemoteError turns a preflight failure into one sentence that
// says which of endpoint, credentials or bucket is wrong. waited is how
// long the preflight tried, named when the endpoint never answered.
func describeRemoteError(err error, t target, waited time.Duration) error {
	if err == nil {
		return nil
	}
	ep := t.endpoint()
	if cause := tlsCause(err); cause != "" {
		return fmt.Errorf("cannot reach endpoint %s: TLS certificate not accepted: %s (for a private CA or a self-signed certificate: --ca-bundle FILE)", ep, cause)
	}
	if code := credentialCode(err); code != "" {
		return fmt.Errorf("credentials rejected by %s: %s (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile)", ep, code)
	}
	if findCode(err.Error(), noCredentialsHints) != "" {
		return fmt.Errorf("no credentials found for %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile", ep)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("cannot reach endpoint %s: no answer within %s", ep, waited.Round(100*time.Millisecond))
	case errors.Is(err, remote.ErrTransient) && httpStatus(err) != 0:
		return fmt.Errorf("endpoint %s keeps failing (HTTP %d): %s", ep, httpStatus(err), oneLine(err.Error()))
	case errors.Is(err, remote.ErrUnreachable), errors.Is(err, remote.ErrTransient):
		return fmt.Errorf("cannot reach endpoint %s: %s", ep, networkCause(err))
	case errors.Is(err, remote.ErrNotFound):
		return notFoundError(t, s3Code(err))
	case errors.Is(err, remote.ErrAccessDenied):
		return accessDeniedError(err, t)
	case errors.Is(err, remote.ErrInvalidArgument) && t.Bucket != "":
		return fmt.Errorf("%s rejected bucket name %q: %s", ep, t.Bucket, oneLine(err.Error()))
	}
	if t.Bucket == "" {
		return fmt.Errorf("listing buckets at %s failed: %s", ep, oneLine(err.Error()))
	}
	return fmt.Errorf("checking bucket %q at %s failed: %s", t.Bucket, ep, oneLine(err.Error()))
}

func notFoundError(t target, code string) error {
	if t.Bucket == "" || code == "" {
		// S3 names a missing bucket (NoSuchBucket) in the body of a
		// listing's 404; a bare 404 comes from something else.
		return fmt.Errorf("endpoint %s answered 404 without an S3 error code: is it an S3 endpoint (check --endpoint and --path-style)?", t.endpoint())
	}
	return fmt.Errorf("bucket %q does not exist at %s", t.Bucket, t.endpoint())
}

func accessDeniedError(err error, t target) error {
	if t.Anonymous {
		what := fmt.Sprintf("bucket %q", t.Bucket)
		if t.Bucket == "" {
			what = "the list of buckets"
		}
		return fmt.Errorf("access denied to %s for unsigned requests (--no-sign-request): it is not public; mount with credentials instead", what)
	}
	if t.Bucket == "" {
		return fmt.Errorf("access denied listing buckets at %s: wrong credentials, or no s3:ListAllMyBuckets permission (mount s3://BUCKET instead)", t.endpoint())
	}
	if s3Code(err) == "" {
		// No S3 error code to tell a bad key from a missing permission.
		return fmt.Errorf("access denied (403) — wrong credentials or no permission for bucket %q", t.Bucket)
	}
	return fmt.Errorf("access denied to bucket %q: check the credentials (AWS_ACCESS_KEY_ID/profile) and the bucket policy", t.Bucket)
}

// s3Code returns the S3 error code carried by err ("" when the response
// had no body, as for HEAD requests).
func s3Code(err error) string {
	var re *remote.Error
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

// httpStatus returns the HTTP status carried by err (0 when no response
// arrived).
func httpStatus(err error) int {
	var re *remote.Error
	if errors.As(err, &re) {
		return re.Status
	}
	return 0
}

// credentialCode returns the S3 code of err if it says the keys themselves
// were rejected, else "".
func credentialCode(err error) string {
	if code := s3Code(err); code != "" {
		return findCode(code, credentialCodes)
	}
	return findCode(err.Error(), credentialCodes)
}

// findCode returns the first of codes that occurs in msg, or "".
func findCode(msg string, codes []string) string {
	for _, c := range codes {
		if strings.Contains(msg, c) {
			return c
		}
	}
	return ""
}

// networkCause extracts the short network reason ("connect: connection
// refused", "no such host", a TLS failure) from a long SDK error chain.
func networkCause(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Err != nil {
		return oneLine(urlErr.Err.Error())
	}
	return oneLine(err.Error())
}

// tlsCause describes a certificate the client would not accept, or "".
func tlsCause(err error) string {
	var certErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &certErr):
		return certErr.Error()
	case errors.As(err, &hostErr):
		return hostErr.Error()
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return ""
}

// describeSetupError explains a failure to build the S3 client, which
// happens before any request: typically a profile that does not exist.
func describeSetupError(err error, profile string) error {
	if profile != "" && strings.Contains(err.Error(), "failed to get shared config profile") {
		return fmt.Errorf("profile %q not found in ~/.aws/config or ~/.aws/credentials (or AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE)", profile)
	}
	return fmt.Errorf("cannot set up the S3 client: %s", oneLine(err.Error()))
}
