package remote

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/objfs/objfs/acl"
)

// restrictedClient is the Client a connector's tree talks to: a
// restricted view of the storage, in the shape of gcsfuse's prefix_bucket.
// It asks the connector before every call and refuses what it does not
// allow without sending anything:
//
//   - reads (Head, Get, HeadBucket) of invisible paths: ErrNotFound;
//   - listings are filtered to what is visible, and directories on the way
//     to allowed paths are added even when S3 holds nothing below them
//     yet (see List);
//   - changes: ErrReadOnly (access: read), ErrDenied (outside the
//     patterns), ErrNotFound (in an invisible directory), each wrapped
//     with the connector's label and the rule.
//
// The fs layer also checks before it starts an operation, so that the
// kernel gets the precise errno at open, create or rename time; this
// decorator is the guarantee underneath that no request the connector
// refuses ever reaches the network. Its only state is the attributes of
// pinned versions it has seen (restrict_pin.go).
type restrictedClient struct {
	next  Client
	c     *acl.Connector
	hooks RestrictHooks
	pins  pinState
}

// RestrictHooks are the callbacks of a restricted client; each may be
// nil, and must be cheap and safe for concurrent use.
type RestrictHooks struct {
	// Denied is told of every refusal (call, bucket, key and the
	// decision), before the error is returned (see RestrictObserved).
	Denied func(call, bucket, key string, d acl.Decision)
	// PinGone is told each time a pinned version turns out to be gone
	// (restrict_pin.go).
	PinGone func(bucket, key, version string)
}

var _ Client = (*restrictedClient)(nil)

// Restrict wraps next so that only what the connector c allows is sent
// (see restrictedClient).
func Restrict(next Client, c *acl.Connector) Client {
	return &restrictedClient{next: next, c: c}
}

// RestrictHooked is Restrict with hooks.
func RestrictHooked(next Client, c *acl.Connector, hooks RestrictHooks) Client {
	return &restrictedClient{next: next, c: c, hooks: hooks}
}

// RestrictObserved is Restrict that also tells denied of every change
// it refuses (the fs layer's checks come first, so these are the ones it
// missed), for logs and metrics. Reads of invisible keys are not told:
// callers probe keys the user never named (a directory's name as a file),
// so only they know which miss was a denial. denied must be cheap and
// safe for concurrent use.
func RestrictObserved(next Client, c *acl.Connector, denied func(call, bucket, key string, d acl.Decision)) Client {
	return &restrictedClient{next: next, c: c, hooks: RestrictHooks{Denied: denied}}
}

// tell reports a refusal to the observer, if any.
func (r *restrictedClient) tell(call, bucket, key string, d acl.Decision) {
	if r.hooks.Denied != nil {
		r.hooks.Denied(call, bucket, key, d)
	}
}

// refusal is the error for a denied decision: the sentinel for its kind,
// wrapped with the connector, the call and the rule that decided.
func (r *restrictedClient) refusal(op, bucket, key string, d acl.Decision) error {
	return fmt.Errorf("connector %q refuses %s s3://%s/%s: %s: %w", r.c.Label, op, bucket, key, d.Rule, DenialError(d.Denial))
}

// DenialError maps a denial kind to its sentinel: the one that fs maps to
// the errno the kind names (DenyInvisible and any other: ErrNotFound).
func DenialError(k acl.Denial) error {
	switch k {
	case acl.DenyReadOnly:
		return ErrReadOnly
	case acl.DenyOutside:
		return ErrDenied
	case acl.DenyCrossDevice:
		return ErrCrossDevice
	}
	return ErrNotFound
}

// check asks the connector whether op may happen on (bucket, key).
func (r *restrictedClient) check(call string, op acl.Op, bucket, key string) error {
	if d := r.c.Decide(op, bucket, key); !d.Allowed() {
		r.tell(call, bucket, key, d)
		return r.refusal(call, bucket, key, d)
	}
	return nil
}

// visible reports whether an object or directory key can be seen: a file
// key when a pattern allows it, a directory key ("a/", or "" for the
// bucket) when it is inside the patterns or on the way to them.
func (r *restrictedClient) visible(bucket, key string) bool {
	if keyIsDir(key) {
		return r.c.DirVisible(bucket, key)
	}
	return r.c.Allows(bucket, key)
}

// checkVisible refuses a read of an invisible key with ErrNotFound.
func (r *restrictedClient) checkVisible(call, bucket, key string) error {
	if !r.visible(bucket, key) {
		return fmt.Errorf("connector %q: %s s3://%s/%s: no pattern reaches it: %w", r.c.Label, call, bucket, key, ErrNotFound)
	}
	return nil
}

// ListBuckets lists what the connector root shows: the buckets the
// patterns name (without asking S3 when they are all it can reach: the
// credentials may not be allowed ListBuckets), plus, when a pattern reaches
// buckets by prefix or has no paths, the listing filtered.
func (r *restrictedClient) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	named, listAll := r.c.BucketNames()
	byName := make(map[string]BucketInfo, len(named))
	for _, b := range named {
		byName[b] = BucketInfo{Name: b}
	}
	if listAll {
		all, err := r.next.ListBuckets(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range all {
			if r.c.BucketVisible(b.Name) {
				byName[b.Name] = b
			}
		}
	}
	out := make([]BucketInfo, 0, len(byName))
	for _, b := range byName {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// HeadBucket checks a visible bucket; an invisible one is not found.
func (r *restrictedClient) HeadBucket(ctx context.Context, bucket string) error {
	if err := r.checkVisible(OpHeadBucket, bucket, ""); err != nil {
		return err
	}
	return r.next.HeadBucket(ctx, bucket)
}

// Head returns a visible object's attributes.
func (r *restrictedClient) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := r.checkVisible(OpHead, bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	if v, ok := r.pinned(bucket, key); ok {
		return r.headPinned(ctx, bucket, key, v)
	}
	return r.next.Head(ctx, bucket, key)
}

// Get reads a visible object.
func (r *restrictedClient) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	if err := r.checkVisible(OpGet, req.Bucket, req.Key); err != nil {
		return nil, err
	}
	if v, ok := r.pinned(req.Bucket, req.Key); ok {
		return r.getPinned(ctx, req, v)
	}
	return r.next.Get(ctx, req)
}

// Put stores an object where the connector allows writing.
func (r *restrictedClient) Put(ctx context.Context, req PutRequest) (ObjectInfo, error) {
	if err := r.check(OpPut, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return ObjectInfo{}, err
	}
	return r.next.Put(ctx, req)
}

// Copy needs a visible source and a destination the connector may write.
func (r *restrictedClient) Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error) {
	if err := r.checkCopy(OpCopy, req.SrcBucket, req.SrcKey, req.DstBucket, req.DstKey); err != nil {
		return ObjectInfo{}, err
	}
	return r.next.Copy(ctx, req)
}

// checkCopy checks a server-side copy: read on the source (ENOENT when
// invisible), write on the destination.
func (r *restrictedClient) checkCopy(call, srcBucket, srcKey, dstBucket, dstKey string) error {
	if err := r.check(call+" source", acl.OpRead, srcBucket, srcKey); err != nil {
		return err
	}
	return r.check(call, acl.OpWrite, dstBucket, dstKey)
}

// Delete removes a key the connector may change (write implies delete).
func (r *restrictedClient) Delete(ctx context.Context, bucket, key string) error {
	if err := r.check(OpDelete, acl.OpDelete, bucket, key); err != nil {
		return err
	}
	return r.next.Delete(ctx, bucket, key)
}

// CreateBucket needs a pattern that covers the whole bucket.
func (r *restrictedClient) CreateBucket(ctx context.Context, bucket string) error {
	if err := r.check(OpCreateBucket, acl.OpWrite, bucket, ""); err != nil {
		return err
	}
	return r.next.CreateBucket(ctx, bucket)
}

// DeleteBucket needs a pattern that covers the whole bucket.
func (r *restrictedClient) DeleteBucket(ctx context.Context, bucket string) error {
	if err := r.check(OpDeleteBucket, acl.OpDelete, bucket, ""); err != nil {
		return err
	}
	return r.next.DeleteBucket(ctx, bucket)
}

// CreateMultipart starts an upload where the connector allows writing.
func (r *restrictedClient) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error) {
	if err := r.check(OpCreateMultipart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return "", err
	}
	return r.next.CreateMultipart(ctx, req)
}

// UploadPart is checked like the upload it belongs to.
func (r *restrictedClient) UploadPart(ctx context.Context, req UploadPartRequest) (Part, error) {
	if err := r.check(OpUploadPart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return Part{}, err
	}
	return r.next.UploadPart(ctx, req)
}

// UploadPartCopy needs a visible source and a writable destination.
func (r *restrictedClient) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error) {
	if err := r.checkCopy(OpUploadPartCopy, req.SrcBucket, req.SrcKey, req.Bucket, req.Key); err != nil {
		return Part{}, err
	}
	return r.next.UploadPartCopy(ctx, req)
}

// CompleteMultipart is checked like the upload it completes.
func (r *restrictedClient) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error) {
	if err := r.check(OpCompleteMultipart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return ObjectInfo{}, err
	}
	return r.next.CompleteMultipart(ctx, req)
}

// AbortMultipart discards an upload under a key the connector may change;
// no other upload can have been started through it.
func (r *restrictedClient) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	if err := r.check(OpAbortMultipart, acl.OpDelete, bucket, key); err != nil {
		return err
	}
	return r.next.AbortMultipart(ctx, bucket, key, uploadID)
}

// ListMultipartUploads lists the uploads of visible keys only.
func (r *restrictedClient) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	if !r.c.BucketVisible(bucket) || !r.prefixReachable(bucket, prefix) {
		return nil, nil
	}
	ups, err := r.next.ListMultipartUploads(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ups, func(u Upload) bool { return !r.c.Allows(bucket, u.Key) }), nil
}

// HeadVersion returns a visible object's version.
func (r *restrictedClient) HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	if err := r.checkVisible(OpHead, bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	if v, ok := r.pinned(bucket, key); ok && v != versionID {
		return ObjectInfo{}, fmt.Errorf("connector %q: s3://%s/%s is pinned to version %s, not %s: %w",
			r.c.Label, bucket, key, v, versionID, ErrNotFound)
	}
	return r.next.HeadVersion(ctx, bucket, key, versionID)
}

// BucketVersioning asks about a visible bucket; an invisible one is not
// found.
func (r *restrictedClient) BucketVersioning(ctx context.Context, bucket string) (Versioning, error) {
	if err := r.checkVisible(OpGetBucketVersioning, bucket, ""); err != nil {
		return VersioningOff, err
	}
	return r.next.BucketVersioning(ctx, bucket)
}
