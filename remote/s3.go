package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 is the Client for S3-compatible services, built on aws-sdk-go-v2. It
// sends each call as exactly one request (the SDK's retryer is off; wrap it
// with WithRetry) under a per-attempt deadline, and maps every failure once
// to the sentinels in errors.go. Safe for concurrent use.
type S3 struct {
	api     *s3.Client
	region  string
	timeout time.Duration
	log     *slog.Logger
	sums    *bodySums // how writes prove their bodies; switches once
	live    *liveness // when the server last answered anything
	longCap time.Duration
}

var _ Client = (*S3)(nil)

// NewS3 builds the client. It loads the SDK's shared configuration (which
// may read ~/.aws files) but sends no request; use HeadBucket or
// ListBuckets to check the endpoint and credentials.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	opts, err := loadOptions(cfg)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	live := &liveness{}
	api := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		o.Retryer = aws.NopRetryer{}
		o.APIOptions = append(o.APIOptions, addObjectHeaders(cfg))
		// After the SDK resolved its client (CA bundle, timeouts).
		o.HTTPClient = &progressClient{next: o.HTTPClient, live: live}
	})
	return &S3{api: api, region: awsCfg.Region, timeout: cfg.RequestTimeout, log: cfg.Logger,
		sums: &bodySums{mode: cfg.Checksum, log: cfg.Logger, etagsMD5: cfg.ETagsAreMD5()}, live: live, longCap: longCap}, nil
}

// loadOptions turns cfg into SDK configuration options. Checksums are
// computed by us (see checksum.go), so the SDK is told to add none of its
// own: its default would stream HTTPS bodies with an aws-chunked trailer
// that several S3-compatible servers reject.
func loadOptions(cfg S3Config) ([]func(*config.LoadOptions) error, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(newHTTPClient(cfg.MaxConns)),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		config.WithLogger(sdkLogger{log: cfg.Logger}),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.AccessKeyID != "" {
		creds := credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	if cfg.Anonymous {
		// The SDK sends requests with anonymous credentials unsigned.
		opts = append(opts, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	if cfg.CABundle != "" {
		pem, err := os.ReadFile(cfg.CABundle)
		if err != nil {
			return nil, fmt.Errorf("s3: CA bundle: %w", err)
		}
		opts = append(opts, config.WithCustomCABundle(bytes.NewReader(pem)))
	}
	return opts, nil
}

// unsignedPayload makes a Put or UploadPart sign UNSIGNED-PAYLOAD instead
// of the body's SHA-256, a second pass over the body that cost more CPU
// than the transfer itself. The body stays protected: its CRC32C or MD5
// header is signed and verified by the server (doc.go, Integrity). Over
// HTTPS the SDK does this by itself; this extends it to plain HTTP while
// the server is trusted to verify CRC32C (bodySums.signing).
func unsignedPayload(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

// Endpoint is the endpoint URL requests go to, as configured or as the
// SDK found it (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, a profile's
// endpoint_url); "" for AWS S3 itself.
func (s *S3) Endpoint() string {
	if e := s.api.Options().BaseEndpoint; e != nil {
		return *e
	}
	return ""
}

// Region is the region requests are signed for.
func (s *S3) Region() string { return s.region }

// fail wraps err from one request: the caller's context error when ctx is
// done, ErrTransient when only the attempt's own deadline (actx) passed,
// else the classification of the SDK error.
func (s *S3) fail(ctx, actx context.Context, op, bucket, key string, err error) error {
	e := &Error{Op: op, Bucket: bucket, Key: key, Err: err}
	switch {
	case ctx.Err() != nil:
		e.Kind = ctx.Err()
	case errors.Is(context.Cause(actx), errLongCap):
		// The server showed signs of work all along: no ErrNoAnswer,
		// which would count it as silent.
		e.Kind = ErrTransient
		e.Message = fmt.Sprintf("server-side work not done after %v (the cap), though the server kept answering", s.longCap)
	case timedOut(actx):
		e.Kind = ErrNoAnswer
		e.Message = s.timeoutMessage(actx)
	default:
		c := classify(err)
		e.Kind, e.Code, e.Status = c.kind, c.code, c.status
		if c.message != "" {
			e.Message = c.message
			if id := requestID(err); id != "" {
				e.Message += " (request id " + id + ")"
			}
		}
	}
	s.log.Debug("s3 request failed", "op", op, "bucket", bucket, "key", key, "err", e)
	return e
}

// invalid reports a request rejected before it was sent.
func invalid(op, bucket, key, format string, args ...any) error {
	return &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrInvalidArgument,
		Message: fmt.Sprintf(format, args...)}
}

// userMetadata returns a copy of m with lower-case keys, never nil.
func userMetadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// sentMetadata returns the metadata as a write sent it, or nil for none.
func sentMetadata(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return userMetadata(m)
}
