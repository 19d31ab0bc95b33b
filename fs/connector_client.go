package fs

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// restrictedClient is the remote.Client a connector's tree talks to: a
// restricted view of the storage, in the shape of gcsfuse's prefix_bucket.
// It asks the connector before every call and refuses what it does not
// allow without sending anything:
//
//   - reads (Head, Get, HeadBucket) of invisible paths: remote.ErrNotFound;
//   - listings are filtered to what is visible, and directories on the way
//     to allowed paths are added even when S3 holds nothing below them
//     yet (see List);
//   - changes: remote.ErrReadOnly (access: read), remote.ErrDenied
//     (outside the patterns), remote.ErrNotFound (in an invisible
//     directory), each wrapped with the connector's label and the rule.
//
// The fs layer also checks before it starts an operation (mayChange), so
// that the kernel gets the precise errno at open, create or rename time;
// this decorator is the guarantee underneath that no request the
// connector refuses ever reaches the network. It holds no state.
type restrictedClient struct {
	next remote.Client
	c    *acl.Connector
}

var _ remote.Client = (*restrictedClient)(nil)

// restrict wraps next so that only what c allows is sent.
func restrict(next remote.Client, c *acl.Connector) remote.Client {
	return &restrictedClient{next: next, c: c}
}

// refusal is the error for a denied decision: the sentinel for its errno,
// wrapped with the connector, the call and the rule that decided.
func (r *restrictedClient) refusal(op, bucket, key string, d acl.Decision) error {
	return fmt.Errorf("connector %q refuses %s s3://%s/%s: %s: %w", r.c.Label, op, bucket, key, d.Rule, sentinelFor(d.Errno))
}

// sentinelFor maps a decision's errno back to the remote sentinel that
// errno.go maps to it.
func sentinelFor(errno syscall.Errno) error {
	switch errno {
	case syscall.EROFS:
		return remote.ErrReadOnly
	case syscall.EACCES:
		return remote.ErrDenied
	case syscall.EXDEV:
		return remote.ErrCrossDevice
	}
	return remote.ErrNotFound
}

// check asks the connector whether op may happen on (bucket, key).
func (r *restrictedClient) check(call string, op acl.Op, bucket, key string) error {
	if d := r.c.Decide(op, bucket, key); !d.Allowed {
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
		return fmt.Errorf("connector %q: %s s3://%s/%s: no pattern reaches it: %w", r.c.Label, call, bucket, key, remote.ErrNotFound)
	}
	return nil
}

// ListBuckets lists what the connector root shows: the buckets the
// patterns name (without asking S3 when they are all it can reach: the
// credentials may not be allowed ListBuckets), plus, when a pattern reaches
// buckets by prefix or has no paths, the listing filtered.
func (r *restrictedClient) ListBuckets(ctx context.Context) ([]remote.BucketInfo, error) {
	named, listAll := r.c.BucketNames()
	byName := make(map[string]remote.BucketInfo, len(named))
	for _, b := range named {
		byName[b] = remote.BucketInfo{Name: b}
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
	out := make([]remote.BucketInfo, 0, len(byName))
	for _, b := range byName {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b remote.BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// HeadBucket checks a visible bucket; an invisible one is not found.
func (r *restrictedClient) HeadBucket(ctx context.Context, bucket string) error {
	if err := r.checkVisible(remote.OpHeadBucket, bucket, ""); err != nil {
		return err
	}
	return r.next.HeadBucket(ctx, bucket)
}

// Head returns a visible object's attributes.
func (r *restrictedClient) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	if err := r.checkVisible(remote.OpHead, bucket, key); err != nil {
		return remote.ObjectInfo{}, err
	}
	return r.next.Head(ctx, bucket, key)
}

// Get reads a visible object.
func (r *restrictedClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	if err := r.checkVisible(remote.OpGet, req.Bucket, req.Key); err != nil {
		return nil, err
	}
	return r.next.Get(ctx, req)
}

// Put stores an object where the connector allows writing.
func (r *restrictedClient) Put(ctx context.Context, req remote.PutRequest) (remote.ObjectInfo, error) {
	if err := r.check(remote.OpPut, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return remote.ObjectInfo{}, err
	}
	return r.next.Put(ctx, req)
}

// Copy needs a visible source and a destination the connector may write.
func (r *restrictedClient) Copy(ctx context.Context, req remote.CopyRequest) (remote.ObjectInfo, error) {
	if err := r.checkCopy(remote.OpCopy, req.SrcBucket, req.SrcKey, req.DstBucket, req.DstKey); err != nil {
		return remote.ObjectInfo{}, err
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
	if err := r.check(remote.OpDelete, acl.OpDelete, bucket, key); err != nil {
		return err
	}
	return r.next.Delete(ctx, bucket, key)
}

// CreateBucket needs a pattern that covers the whole bucket.
func (r *restrictedClient) CreateBucket(ctx context.Context, bucket string) error {
	if err := r.check(remote.OpCreateBucket, acl.OpWrite, bucket, ""); err != nil {
		return err
	}
	return r.next.CreateBucket(ctx, bucket)
}

// DeleteBucket needs a pattern that covers the whole bucket.
func (r *restrictedClient) DeleteBucket(ctx context.Context, bucket string) error {
	if err := r.check(remote.OpDeleteBucket, acl.OpDelete, bucket, ""); err != nil {
		return err
	}
	return r.next.DeleteBucket(ctx, bucket)
}

// CreateMultipart starts an upload where the connector allows writing.
func (r *restrictedClient) CreateMultipart(ctx context.Context, req remote.CreateMultipartRequest) (string, error) {
	if err := r.check(remote.OpCreateMultipart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return "", err
	}
	return r.next.CreateMultipart(ctx, req)
}

// UploadPart is checked like the upload it belongs to.
func (r *restrictedClient) UploadPart(ctx context.Context, req remote.UploadPartRequest) (remote.Part, error) {
	if err := r.check(remote.OpUploadPart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return remote.Part{}, err
	}
	return r.next.UploadPart(ctx, req)
}

// UploadPartCopy needs a visible source and a writable destination.
func (r *restrictedClient) UploadPartCopy(ctx context.Context, req remote.UploadPartCopyRequest) (remote.Part, error) {
	if err := r.checkCopy(remote.OpUploadPartCopy, req.SrcBucket, req.SrcKey, req.Bucket, req.Key); err != nil {
		return remote.Part{}, err
	}
	return r.next.UploadPartCopy(ctx, req)
}

// CompleteMultipart is checked like the upload it completes.
func (r *restrictedClient) CompleteMultipart(ctx context.Context, req remote.CompleteMultipartRequest) (remote.ObjectInfo, error) {
	if err := r.check(remote.OpCompleteMultipart, acl.OpWrite, req.Bucket, req.Key); err != nil {
		return remote.ObjectInfo{}, err
	}
	return r.next.CompleteMultipart(ctx, req)
}

// AbortMultipart discards an upload under a key the connector may change;
// no other upload can have been started through it.
func (r *restrictedClient) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	if err := r.check(remote.OpAbortMultipart, acl.OpDelete, bucket, key); err != nil {
		return err
	}
	return r.next.AbortMultipart(ctx, bucket, key, uploadID)
}

// ListMultipartUploads lists the uploads of visible keys only.
func (r *restrictedClient) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]remote.Upload, error) {
	if !r.c.BucketVisible(bucket) || !r.prefixReachable(bucket, prefix) {
		return nil, nil
	}
	ups, err := r.next.ListMultipartUploads(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ups, func(u remote.Upload) bool { return !r.c.Allows(bucket, u.Key) }), nil
}
