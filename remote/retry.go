package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// WithRetry returns c wrapped so that every call failing with a retryable
// error (IsRetryable: ErrTransient, ErrUnreachable) is tried again, up to
// cfg.MaxAttempts in all (an unreachable endpoint: also until
// cfg.UnreachableFor of backoff), after a backoff with full jitter. Other errors
// return at once. Request bodies (Put, UploadPart) are rewound to their
// start before each new attempt. A done ctx ends the waiting with an error
// wrapping ctx.Err(). When attempts run out the last error is returned,
// still wrapping its sentinel.
//
// Get retries the request only: once it has returned a reader, an error
// while reading the body is the caller's to handle (it may issue a new Get
// for the remaining range, pinned with IfMatch).
//
// A retried write may find the effect of its own earlier attempt, applied
// by the server but with its answer lost. Two such findings are checked
// with a HEAD (retry_landed.go): a Put with IfNoneMatch that ends in
// ErrPreconditionFailed, and a CompleteMultipart that ends in ErrNotFound
// (the upload is gone) or ErrPreconditionFailed. When the object in S3 is
// the one the call wrote, the call succeeds; otherwise its error stands.
// Other writes need no check: Put without a condition, Copy, UploadPart
// and UploadPartCopy do the same again, and Delete of a missing key
// succeeds. What is left: a retried AbortMultipart can end in ErrNotFound
// (the upload is gone either way), a CreateBucket in ErrExists, and a
// CreateMultipart whose answer was lost leaves an incomplete upload
// behind that nobody knows the id of.
//
// WithRetry panics if cfg is invalid (cfg.Validate); zero fields take
// defaults.
func WithRetry(c Client, cfg RetryConfig) Client {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &retrying{next: c, cfg: cfg.WithDefaults()}
}

type retrying struct {
	next Client
	cfg  RetryConfig
}

// retry runs call until it succeeds, fails for good, or attempts or ctx
// run out. body, when not nil, is rewound before every attempt but the
// first.
func retry[T any](r *retrying, ctx context.Context, op string, body io.Seeker, call func() (T, error)) (T, error) {
	v, _, err := retryWrite(r, ctx, op, body, call)
	return v, err
}

// retryWrite is retry that also reports whether an attempt before the
// last may have been applied by the server: it failed in a way that can
// hide a success (reset, timeout, 5xx: ErrTransient), not because the
// endpoint could not be reached at all.
func retryWrite[T any](r *retrying, ctx context.Context, op string, body io.Seeker, call func() (T, error)) (v T, mayHaveLanded bool, err error) {
	var waited time.Duration // backoff slept so far
	for attempt := 1; ; attempt++ {
		if attempt > 1 && body != nil {
			if _, err := body.Seek(0, io.SeekStart); err != nil {
				var zero T
				return zero, mayHaveLanded, &Error{Op: op, Err: fmt.Errorf("rewind body for retry: %w", err)}
			}
		}
		v, err = call()
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return v, mayHaveLanded, err
		}
		if attempt >= r.cfg.MaxAttempts && !r.cfg.waitForEndpoint(err, waited) {
			return v, mayHaveLanded, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		mayHaveLanded = mayHaveLanded || !errors.Is(err, ErrUnreachable)
		d := r.cfg.backoff(attempt)
		waited += d
		r.cfg.Logger.Debug("retrying storage request", "op", op, "attempt", attempt, "backoff", d, "err", err)
		if serr := r.cfg.Sleep(ctx, d); serr != nil {
			var zero T
			return zero, mayHaveLanded, fmt.Errorf("%w (while waiting to retry after %d attempts: %v)", ctx.Err(), attempt, err)
		}
	}
}

// retryErr adapts calls that return only an error.
func retryErr(r *retrying, ctx context.Context, op string, call func() error) error {
	_, err := retry(r, ctx, op, nil, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func (r *retrying) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	return retry(r, ctx, OpListBuckets, nil, func() ([]BucketInfo, error) { return r.next.ListBuckets(ctx) })
}

func (r *retrying) HeadBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpHeadBucket, func() error { return r.next.HeadBucket(ctx, bucket) })
}

func (r *retrying) List(ctx context.Context, req ListRequest) (ListPage, error) {
	return retry(r, ctx, OpList, nil, func() (ListPage, error) { return r.next.List(ctx, req) })
}

func (r *retrying) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	return retry(r, ctx, OpHead, nil, func() (ObjectInfo, error) { return r.next.Head(ctx, bucket, key) })
}

func (r *retrying) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	return retry(r, ctx, OpGet, nil, func() (io.ReadCloser, error) { return r.next.Get(ctx, req) })
}

func (r *retrying) Put(ctx context.Context, req PutRequest) (ObjectInfo, error) {
	info, mayHaveLanded, err := retryWrite(r, ctx, OpPut, seeker(req.Body), func() (ObjectInfo, error) { return r.next.Put(ctx, req) })
	if mayHaveLanded && req.IfNoneMatch && errors.Is(err, ErrPreconditionFailed) {
		return r.putLanded(ctx, req, err)
	}
	return info, err
}

func (r *retrying) Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error) {
	return retry(r, ctx, OpCopy, nil, func() (ObjectInfo, error) { return r.next.Copy(ctx, req) })
}

func (r *retrying) Delete(ctx context.Context, bucket, key string) error {
	return retryErr(r, ctx, OpDelete, func() error { return r.next.Delete(ctx, bucket, key) })
}

func (r *retrying) CreateBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpCreateBucket, func() error { return r.next.CreateBucket(ctx, bucket) })
}

func (r *retrying) DeleteBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpDeleteBucket, func() error { return r.next.DeleteBucket(ctx, bucket) })
}

func (r *retrying) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error) {
	return retry(r, ctx, OpCreateMultipart, nil, func() (string, error) { return r.next.CreateMultipart(ctx, req) })
}

func (r *retrying) UploadPart(ctx context.Context, req UploadPartRequest) (Part, error) {
	return retry(r, ctx, OpUploadPart, seeker(req.Body), func() (Part, error) { return r.next.UploadPart(ctx, req) })
}

func (r *retrying) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error) {
	return retry(r, ctx, OpUploadPartCopy, nil, func() (Part, error) { return r.next.UploadPartCopy(ctx, req) })
}

func (r *retrying) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error) {
	info, mayHaveLanded, err := retryWrite(r, ctx, OpCompleteMultipart, nil, func() (ObjectInfo, error) { return r.next.CompleteMultipart(ctx, req) })
	if mayHaveLanded && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrPreconditionFailed)) {
		return r.completeLanded(ctx, req, err)
	}
	return info, err
}

func (r *retrying) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	return retryErr(r, ctx, OpAbortMultipart, func() error { return r.next.AbortMultipart(ctx, bucket, key, uploadID) })
}

func (r *retrying) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	return retry(r, ctx, OpListMultipartUploads, nil, func() ([]Upload, error) { return r.next.ListMultipartUploads(ctx, bucket, prefix) })
}

// seeker returns body as an io.Seeker, or nil for a nil body (so that a
// typed nil never reaches the rewind).
func seeker(body io.ReadSeeker) io.Seeker {
	if body == nil {
		return nil
	}
	return body
}
