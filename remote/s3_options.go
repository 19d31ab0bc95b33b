package remote

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Server-side encryption modes for S3Config.SSE (x-amz-server-side-encryption).
const (
	SSENone = ""        // the bucket's default
	SSES3   = "AES256"  // keys managed by S3
	SSEKMS  = "aws:kms" // keys in KMS; S3Config.SSEKMSKeyID picks one
)

// SSECKeySize is the length of an SSE-C key: AES-256.
const SSECKeySize = 32

// SSECKey is a customer-provided encryption key (SSE-C). Its String,
// GoString and LogValue never show the key.
type SSECKey []byte

func (k SSECKey) String() string {
	if len(k) == 0 {
		return "none"
	}
	return "SSE-C key (redacted)"
}

// GoString keeps %#v from printing the key.
func (k SSECKey) GoString() string { return "remote.SSECKey(" + k.String() + ")" }

// LogValue keeps slog from printing the key.
func (k SSECKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// validateObjectOptions checks the SSE, storage-class and requester-pays
// settings of c.
func (c S3Config) validateObjectOptions() error {
	var errs []error
	switch c.SSE {
	case SSENone, SSES3, SSEKMS:
	default:
		errs = append(errs, fmt.Errorf("s3 config: SSE %q: want %s or %s", c.SSE, SSES3, SSEKMS))
	}
	if c.SSEKMSKeyID != "" && c.SSE != SSEKMS {
		errs = append(errs, fmt.Errorf("s3 config: a KMS key id needs SSE %s", SSEKMS))
	}
	if len(c.SSECustomerKey) != 0 {
		if len(c.SSECustomerKey) != SSECKeySize {
			errs = append(errs, fmt.Errorf("s3 config: an SSE-C key is %d bytes, not %d", SSECKeySize, len(c.SSECustomerKey)))
		}
		if c.SSE != SSENone {
			errs = append(errs, fmt.Errorf("s3 config: SSE %s and an SSE-C key exclude each other", c.SSE))
		}
	}
	if c.Anonymous && (c.AccessKeyID != "" || c.Profile != "") {
		errs = append(errs, errors.New("s3 config: anonymous requests take no credentials nor profile"))
	}
	return errors.Join(errs...)
}

// ETagsAreMD5 reports whether objects written with c get ETags that are
// the MD5 of their bytes (as far as objfs's own settings go: a bucket's
// default SSE-KMS also changes them). Under SSE-KMS or SSE-C they are
// not, so neither the lost-answer check (retry_landed.go) nor the check
// of a write the server did not verify (verifyETag) may predict them.
func (c S3Config) ETagsAreMD5() bool {
	return c.SSE != SSEKMS && len(c.SSECustomerKey) == 0
}

// objectHeaders are the headers that the S3Config options add to each
// operation, by the SDK's operation name. They are set in the Build step,
// before the request is signed.
type objectHeaders map[string][]header

type header struct{ name, value string }

// Which operations carry what. SSE (S3 or KMS) and the storage class are
// chosen when an object is made: PutObject, CreateMultipartUpload and
// CopyObject (which otherwise gives the copy STANDARD and the bucket's
// default encryption). An SSE-C key goes with every request that reads
// or writes an object's bytes or metadata, and as the copy source's key
// with server-side copies. Requester pays goes with every request.
const (
	opPutObject      = "PutObject"
	opCreateMPU      = "CreateMultipartUpload"
	opUploadPart     = "UploadPart"
	opUploadPartCopy = "UploadPartCopy"
	opCompleteMPU    = "CompleteMultipartUpload"
	opCopyObject     = "CopyObject"
	opGetObject      = "GetObject"
	opHeadObject     = "HeadObject"
)

// newObjectHeaders returns the headers c asks for; nil when none.
func newObjectHeaders(c S3Config) (objectHeaders, []header) {
	h := objectHeaders{}
	add := func(hdr header, ops ...string) {
		for _, op := range ops {
			h[op] = append(h[op], hdr)
		}
	}
	made := []string{opPutObject, opCreateMPU, opCopyObject}
	if c.SSE != SSENone {
		add(header{"X-Amz-Server-Side-Encryption", c.SSE}, made...)
	}
	if c.SSEKMSKeyID != "" {
		add(header{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", c.SSEKMSKeyID}, made...)
	}
	if c.StorageClass != "" {
		add(header{"X-Amz-Storage-Class", c.StorageClass}, made...)
	}
	if len(c.SSECustomerKey) != 0 {
		key := base64.StdEncoding.EncodeToString(c.SSECustomerKey)
		sum := md5.Sum(c.SSECustomerKey)
		keyMD5 := base64.StdEncoding.EncodeToString(sum[:])
		for _, prefix := range []string{"X-Amz-", "X-Amz-Copy-Source-"} {
			ops := []string{opPutObject, opCreateMPU, opUploadPart, opUploadPartCopy, opCompleteMPU, opCopyObject, opGetObject, opHeadObject}
			if prefix != "X-Amz-" {
				ops = []string{opUploadPartCopy, opCopyObject}
			}
			add(header{prefix + "Server-Side-Encryption-Customer-Algorithm", "AES256"}, ops...)
			add(header{prefix + "Server-Side-Encryption-Customer-Key", key}, ops...)
			add(header{prefix + "Server-Side-Encryption-Customer-Key-Md5", keyMD5}, ops...)
		}
	}
	var all []header
	if c.RequesterPays {
		all = append(all, header{"X-Amz-Request-Payer", "requester"})
	}
	if len(h) == 0 {
		h = nil
	}
	return h, all
}

// addObjectHeaders installs the middleware that sets c's headers; a
// no-op when c asks for none.
func addObjectHeaders(c S3Config) func(*middleware.Stack) error {
	byOp, all := newObjectHeaders(c)
	return func(stack *middleware.Stack) error {
		if byOp == nil && all == nil {
			return nil
		}
		return stack.Build.Add(middleware.BuildMiddlewareFunc("objfsObjectHeaders",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					for _, h := range all {
						req.Header.Set(h.name, h.value)
					}
					for _, h := range byOp[middleware.GetOperationName(ctx)] {
						req.Header.Set(h.name, h.value)
					}
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}
