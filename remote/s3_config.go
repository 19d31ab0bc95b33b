package remote

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// S3Config configures NewS3. The zero value works: it uses the SDK's
// default chain for endpoint, region and credentials (AWS_* environment
// variables, ~/.aws/config and ~/.aws/credentials, instance roles).
type S3Config struct {
	// Endpoint is the service URL, e.g. "http://127.0.0.1:9000". Empty
	// means the SDK's choice: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
	// profile's endpoint_url, else AWS itself.
	Endpoint string
	// Region; empty means the SDK's chain (AWS_REGION, profile), and
	// DefaultRegion when nothing configures one.
	Region string
	// Profile names a section of ~/.aws/config and ~/.aws/credentials.
	Profile string
	// PathStyle addresses buckets as ENDPOINT/BUCKET (MinIO, most
	// self-hosted servers) instead of BUCKET.ENDPOINT.
	PathStyle bool
	// Static credentials; when AccessKeyID is empty the SDK's default
	// chain supplies them. They are never logged nor put in errors.
	AccessKeyID, SecretAccessKey, SessionToken string
	// RequestTimeout bounds each attempt: the whole request for small
	// calls (HEAD, List, Delete, ...) and the wait for a GET's first
	// byte; for server-side copies (Copy, UploadPartCopy,
	// CompleteMultipart) three times it without any sign of the server
	// working (answer bytes, answers to other requests or to a probe),
	// within a cap of 10 min; and for transfers (Get, Put, UploadPart) every
	// pause in which no byte moves, however long the whole transfer
	// takes. An attempt that times out is retried on a new connection
	// (WithRetry), so this is how long a stalled request is waited for
	// before it is sent again. Default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxConns sizes the HTTP connection pool (idle connections kept per
	// host). Default DefaultMaxConns.
	MaxConns int
	// Checksum chooses how writes prove their bodies: ChecksumAuto (the
	// default, also ""), ChecksumCRC32C or ChecksumMD5 (doc.go, Integrity).
	Checksum ChecksumMode
	// Anonymous sends requests unsigned, with no credentials at all: for
	// public buckets (AWS Open Data and the like). Writes are then
	// refused by the server unless its policy allows them.
	Anonymous bool
	// RequesterPays sends x-amz-request-payer: requester with every
	// request, which buckets that bill the reader require.
	RequesterPays bool
	// SSE asks S3 to encrypt new objects: SSES3 (AES256) or SSEKMS
	// (aws:kms, with SSEKMSKeyID or the account's default KMS key);
	// SSENone leaves the bucket's default.
	SSE         string
	SSEKMSKeyID string
	// SSECustomerKey, when set, encrypts new objects with this 32-byte
	// key (SSE-C) and is sent with every read of an object, as S3 needs
	// it to decrypt. Servers accept it only over HTTPS.
	SSECustomerKey SSECKey
	// StorageClass of new objects (STANDARD, STANDARD_IA, ...); empty
	// leaves the bucket's default.
	StorageClass string
	// CABundle is a PEM file of certificates to trust for HTTPS besides
	// the system's (a self-signed endpoint).
	CABundle string
	// Logger receives debug lines about failed requests, and a warning if
	// the server ignores CRC32C; default discards.
	Logger *slog.Logger
}

// Defaults for S3Config.
const (
	DefaultRegion         = "us-east-1"
	DefaultRequestTimeout = 10 * time.Second
	DefaultMaxConns       = 64
)

// WithDefaults returns c with every unset field given its default.
func (c S3Config) WithDefaults() S3Config {
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.Checksum == "" {
		c.Checksum = ChecksumAuto
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration that cannot work. It never includes
// credentials in its message.
func (c S3Config) Validate() error {
	var errs []error
	if c.Endpoint != "" {
		if err := validateEndpoint(c.Endpoint); err != nil {
			errs = append(errs, err)
		}
	}
	if c.RequestTimeout < 0 {
		errs = append(errs, fmt.Errorf("s3 config: RequestTimeout %v is negative", c.RequestTimeout))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("s3 config: MaxConns %d is negative", c.MaxConns))
	}
	if err := c.Checksum.Validate(); err != nil {
		errs = append(errs, err)
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		errs = append(errs, errors.New("s3 config: static credentials need both an access key id and a secret access key"))
	}
	if c.AccessKeyID == "" && c.SessionToken != "" {
		errs = append(errs, errors.New("s3 config: a session token needs static credentials"))
	}
	if err := c.validateObjectOptions(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validateEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("s3 config: endpoint is not a URL")
	}
	shown := redactURL(u)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("s3 config: endpoint %q: scheme must be http or https", shown)
	case u.Host == "":
		return fmt.Errorf("s3 config: endpoint %q has no host", shown)
	case u.User != nil:
		return fmt.Errorf("s3 config: endpoint %q must not carry user information", shown)
	}
	return nil
}

// redactURL formats u without any user information it carries.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
