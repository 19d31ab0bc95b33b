package remote

import (
	"context"
	"io"
	"maps"
	"sync"
)

// Counting is a Client decorator that counts calls per operation (keys are
// the Op* names). Placed under WithRetry it counts requests sent, retries
// included; above it, calls made. Tests use it to assert request counts
// ("ls -l sends no HEAD"); metrics may read it. Safe for concurrent use.
type Counting struct {
	next Client

	mu     sync.Mutex       // guards counts
	counts map[string]int64 // calls by op name
}

var _ Client = (*Counting)(nil)

// NewCounting wraps c.
func NewCounting(c Client) *Counting {
	return &Counting{next: c, counts: make(map[string]int64)}
}

func (c *Counting) add(op string) {
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
}

// Snapshot returns a copy of the counts; operations never called are
// absent.
func (c *Counting) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Count returns the calls of one operation so far.
func (c *Counting) Count(op string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op]
}

// Total returns the calls of all operations so far.
func (c *Counting) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Reset sets every count to zero.
func (c *Counting) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.counts)
}

func (c *Counting) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	c.add(OpListBuckets)
	return c.next.ListBuckets(ctx)
}

func (c *Counting) HeadBucket(ctx context.Context, bucket string) error {
	c.add(OpHeadBucket)
	return c.next.HeadBucket(ctx, bucket)
}

func (c *Counting) List(ctx context.Context, req ListRequest) (ListPage, error) {
	c.add(OpList)
	return c.next.List(ctx, req)
}

func (c *Counting) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	c.add(OpHead)
	return c.next.Head(ctx, bucket, key)
}

func (c *Counting) Get(ctx context.Context, req GetRequest) (io.ReadCloser, error) {
	c.add(OpGet)
	return c.next.Get(ctx, req)
}

func (c *Counting) Put(ctx context.Context, req PutRequest) (ObjectInfo, error) {
	c.add(OpPut)
	return c.next.Put(ctx, req)
}

func (c *Counting) Copy(ctx context.Context, req CopyRequest) (ObjectInfo, error) {
	c.add(OpCopy)
	return c.next.Copy(ctx, req)
}

func (c *Counting) Delete(ctx context.Context, bucket, key string) error {
	c.add(OpDelete)
	return c.next.Delete(ctx, bucket, key)
}

func (c *Counting) CreateBucket(ctx context.Context, bucket string) error {
	c.add(OpCreateBucket)
	return c.next.CreateBucket(ctx, bucket)
}

func (c *Counting) DeleteBucket(ctx context.Context, bucket string) error {
	c.add(OpDeleteBucket)
	return c.next.DeleteBucket(ctx, bucket)
}

func (c *Counting) CreateMultipart(ctx context.Context, req CreateMultipartRequest) (string, error) {
	c.add(OpCreateMultipart)
	return c.next.CreateMultipart(ctx, req)
}

func (c *Counting) UploadPart(ctx context.Context, req UploadPartRequest) (Part, error) {
	c.add(OpUploadPart)
	return c.next.UploadPart(ctx, req)
}

func (c *Counting) UploadPartCopy(ctx context.Context, req UploadPartCopyRequest) (Part, error) {
	c.add(OpUploadPartCopy)
	return c.next.UploadPartCopy(ctx, req)
}

func (c *Counting) CompleteMultipart(ctx context.Context, req CompleteMultipartRequest) (ObjectInfo, error) {
	c.add(OpCompleteMultipart)
	return c.next.CompleteMultipart(ctx, req)
}

func (c *Counting) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	c.add(OpAbortMultipart)
	return c.next.AbortMultipart(ctx, bucket, key, uploadID)
}

func (c *Counting) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]Upload, error) {
	c.add(OpListMultipartUploads)
	return c.next.ListMultipartUploads(ctx, bucket, prefix)
}

func (c *Counting) ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error) {
	c.add(OpListVersions)
	return c.next.ListVersions(ctx, req)
}

// HeadVersion is counted as the HeadObject it is.
func (c *Counting) HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	c.add(OpHead)
	return c.next.HeadVersion(ctx, bucket, key, versionID)
}

func (c *Counting) BucketVersioning(ctx context.Context, bucket string) (Versioning, error) {
	c.add(OpGetBucketVersioning)
	return c.next.BucketVersioning(ctx, bucket)
}
