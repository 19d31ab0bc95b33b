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
// cfg.UnreachableFor of backoff), after a backoff jittered over the upper
// half of each step (RetryConfig.backoff). Other errors return at once. Request bodies (Put, UploadPart) are rewound to their
// start before each new attempt. A done ctx ends the waiting with an error
// wrapping ctx.Err(). When attempts run out the last error is returned,
// still wrapping its sentinel.
//
// A Get pinned to an ETag (IfMatch) or a version (VersionID) whose body
// is cut off mid-way by a transient failure continues with a new Get of
// the rest, pinned alike (retry_get.go);
// an unpinned Get retries the request only, and an error while reading its
// body is the caller's.
//
// Every call is bounded in time: no attempt starts once cfg.Budget has
// passed since it began, and a server that answered nothing for the budget
// makes calls fail at once with ErrNoAnswer, but for one probe at a time
// (retry_health.go).
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
	next   Client
	cfg    RetryConfig
	health health
}

// retry runs call until it succeeds, fails for good, or attempts, the
// budget or ctx run out. body, when not nil, is rewound before every
// attempt but the first.
func retry[T any](r *retrying, ctx context.Context, op string, body io.Seeker, call func(context.Context) (T, error)) (T, error) {
	v, _, err := retryWrite(r, ctx, op, body, call)
	return v, err
}

// retryWrite is retry that also reports whether an attempt before the
// last may have been applied by the server: it failed in a way that can
// hide a success (reset, timeout, 5xx: ErrTransient), not because the
// endpoint could not be reached at all.
func retryWrite[T any](r *retrying, ctx context.Context, op string, body io.Seeker, call func(context.Context) (T, error)) (v T, mayHaveLanded bool, err error) {
	var zero T
	start := r.cfg.Now()
	var waited time.Duration // backoff slept so far
	for attempt := 1; ; attempt++ {
		probe, silent := r.health.admit(r.cfg.Now(), r.cfg)
		if silent != nil {
			if attempt == 1 {
				return zero, false, &Error{Op: op, Kind: ErrNoAnswer, Err: silent}
			}
			return v, mayHaveLanded, fmt.Errorf("%w (gave up after %d attempts: %v)", err, attempt-1, silent)
		}
		if attempt > 1 && body != nil {
			if _, err := body.Seek(0, io.SeekStart); err != nil {
				r.health.done(probe, r.cfg.Now())
				return zero, mayHaveLanded, &Error{Op: op, Err: fmt.Errorf("rewind body for retry: %w", err)}
			}
		}
		t0 := r.cfg.Now()
		v, err = sendAttempt(r, ctx, op, probe, call)
		end := r.cfg.Now()
		r.health.record(t0, end, err, ctx, r.cfg.Logger)
		r.health.done(probe, end)
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return v, mayHaveLanded, err
		}
		if silent := r.health.frozen(end, r.cfg); silent != nil {
			return v, mayHaveLanded, fmt.Errorf("%w (gave up after %d attempts: %v)", err, attempt, silent)
		}
		d := r.cfg.backoff(attempt)
		if elapsed := r.cfg.Now().Sub(start); elapsed+d >= r.cfg.Budget {
			return v, mayHaveLanded, fmt.Errorf("%w (gave up after %d attempts in %v, the retry budget is %v)",
				err, attempt, elapsed.Round(time.Millisecond), r.cfg.Budget)
		}
		if attempt >= r.cfg.MaxAttempts && !r.cfg.waitForEndpoint(err, waited) {
			return v, mayHaveLanded, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		mayHaveLanded = mayHaveLanded || !errors.Is(err, ErrUnreachable)
		waited += d
		r.cfg.Logger.Debug("retrying storage request", "op", op, "attempt", attempt, "backoff", d, "err", err)
		if serr := r.cfg.Sleep(ctx, d); serr != nil {
			return zero, mayHaveLanded, fmt.Errorf("%w (while waiting to retry after %d attempts: %v)", ctx.Err(), attempt, err)
		}
	}
}

// sendAttempt sends one attempt of call. A probe of a server taken to be
// frozen is cut after ProbeTimeout, so that it costs a system call no
// more than that even for a server-side copy (whose own deadline is
// longer); Get, whose body outlives the call, and uploads, whose stall
// timer already fires when nothing moves, keep their own deadlines.
func sendAttempt[T any](r *retrying, ctx context.Context, op string, probe bool, call func(context.Context) (T, error)) (T, error) {
	if !probe || op == OpGet || op == OpPut || op == OpUploadPart {
		return call(ctx)
	}
	actx, cancel := context.WithTimeout(ctx, r.cfg.ProbeTimeout)
	defer cancel()
	v, err := call(actx)
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		err = &Error{Op: op, Kind: ErrNoAnswer, Message: fmt.Sprintf("no answer to a probe of a silent server within %v", r.cfg.ProbeTimeout), Err: err}
	}
	return v, err
}

// retryErr adapts calls that return only an error.
func retryErr(r *retrying, ctx context.Context, op string, call func(context.Context) error) error {
	_, err := retry(r, ctx, op, nil, func(ctx context.Context) (struct{}, error) { return struct{}{}, call(ctx) })
	return err
}

func (r *retrying) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	return retry(r, ctx, OpListBuckets, nil, func(ctx context.Context) ([]BucketInfo, error) { return r.next.ListBuckets(ctx) })
}

func (r *retrying) HeadBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpHeadBucket, func(ctx context.Context) error { return r.next.HeadBucket(ctx, bucket) })
}

func (r *retrying) List(ctx context.Context, req ListRequest) (ListPage, error) {
	return retry(r, ctx, OpList, nil, func(ctx context.Context) (ListPage, error) { return r.next.List(ctx, req) })
}

func (r *retrying) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	return retry(r, ctx, OpHead, nil, func(ctx context.Context) (ObjectInfo, error) { return r.next.Head(ctx, bucket, key) })
}

func (r *retrying) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	body, err := retry(r, ctx, OpGet, nil, func(ctx context.Context) (io.ReadCloser, error) { return r.next.Get(ctx, req) })
	if err != nil || (req.IfMatch == "" && req.VersionID == "") {
		return body, err
	}
	return &resumingBody{r: r, ctx: ctx, req: req, body: body}, nil
}

func (r *retrying) Put(ctx context.Context, req PutRequest) (ObjectInfo, error) {
	info, mayHaveLanded, err := retryWrite(r, ctx, OpPut, seeker(req.Body), func(ctx context.Context) (ObjectInfo, error) { return r.next.Put(ctx, req) })
	if mayHaveLanded && req.IfNoneMatch && errors.Is(err, ErrPreconditionFailed) {
		return r.putLanded(ctx, req, err)
	}
	return info, err
}

func (r *retrying) Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error) {
	return retry(r, ctx, OpCopy, nil, func(ctx context.Context) (ObjectInfo, error) { return r.next.Copy(ctx, req) })
}

func (r *retrying) Delete(ctx context.Context, bucket, key string) error {
	return retryErr(r, ctx, OpDelete, func(ctx context.Context) error { return r.next.Delete(ctx, bucket, key) })
}

func (r *retrying) CreateBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpCreateBucket, func(ctx context.Context) error { return r.next.CreateBucket(ctx, bucket) })
}

func (r *retrying) DeleteBucket(ctx context.Context, bucket string) error {
	return retryErr(r, ctx, OpDeleteBucket, func(ctx context.Context) error { return r.next.DeleteBucket(ctx, bucket) })
}

func (r *retrying) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error) {
	return retry(r, ctx, OpCreateMultipart, nil, func(ctx context.Context) (string, error) { return r.next.CreateMultipart(ctx, req) })
}

func (r *retrying) UploadPart(ctx context.Context, req UploadPartRequest) (Part, error) {
	return retry(r, ctx, OpUploadPart, seeker(req.Body), func(ctx context.Context) (Part, error) { return r.next.UploadPart(ctx, req) })
}

func (r *retrying) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error) {
	return retry(r, ctx, OpUploadPartCopy, nil, func(ctx context.Context) (Part, error) { return r.next.UploadPartCopy(ctx, req) })
}

func (r *retrying) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error) {
	info, mayHaveLanded, err := retryWrite(r, ctx, OpCompleteMultipart, nil, func(ctx context.Context) (ObjectInfo, error) { return r.next.CompleteMultipart(ctx, req) })
	if mayHaveLanded && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrPreconditionFailed)) {
		return r.completeLanded(ctx, req, err)
	}
	return info, err
}

func (r *retrying) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	return retryErr(r, ctx, OpAbortMultipart, func(ctx context.Context) error { return r.next.AbortMultipart(ctx, bucket, key, uploadID) })
}

func (r *retrying) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	return retry(r, ctx, OpListMultipartUploads, nil, func(ctx context.Context) ([]Upload, error) { return r.next.ListMultipartUploads(ctx, bucket, prefix) })
}

// seeker returns body as an io.Seeker, or nil for a nil body (so that a
// typed nil never reaches the rewind).
func seeker(body io.ReadSeeker) io.Seeker {
	if body == nil {
		return nil
	}
	return body
}

func (r *retrying) ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error) {
	return retry(r, ctx, OpListVersions, nil, func(ctx context.Context) (VersionPage, error) { return r.next.ListVersions(ctx, req) })
}

func (r *retrying) HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	return retry(r, ctx, OpHead, nil, func(ctx context.Context) (ObjectInfo, error) { return r.next.HeadVersion(ctx, bucket, key, versionID) })
}

func (r *retrying) BucketVersioning(ctx context.Context, bucket string) (Versioning, error) {
	return retry(r, ctx, OpGetBucketVersioning, nil, func(ctx context.Context) (Versioning, error) { return r.next.BucketVersioning(ctx, bucket) })
}
