package metrics

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/objfs/objfs/remote"
)

// WrapClient returns next with every request counted by operation and
// status class, timed, and its bytes counted. Place it directly around
// the S3 client, under remote.WithRetry, so that every attempt is seen as
// S3 sees it.
func (m *Metrics) WrapClient(next remote.Client) remote.Client {
	return &observedClient{next: next, m: m, bytesRead: m.bytesRead, bytesWritten: m.bytesWritten}
}

// WrapConnectorClient is WrapClient for the client of the connector
// labelled connector: its requests and bytes are also counted under its
// label (connector_s3_*).
func (m *Metrics) WrapConnectorClient(next remote.Client, connector string) remote.Client {
	l := prometheus.Labels{"connector": connector}
	return &observedClient{next: next, m: m,
		connRequests: m.connRequests.MustCurryWith(l),
		bytesRead:    multiCounter{m.bytesRead, m.connBytesRead.With(l)},
		bytesWritten: multiCounter{m.bytesWritten, m.connBytesWritten.With(l)},
	}
}

// observedClient is the decorator; it holds no state of its own.
type observedClient struct {
	next remote.Client
	m    *Metrics
	// connRequests is {op} of the connector's requests, nil for a
	// client of no connector.
	connRequests *prometheus.CounterVec
	bytesRead    adder // the mount's, and the connector's
	bytesWritten adder
}

// adder is the part of prometheus.Counter the decorator uses.
type adder interface{ Add(float64) }

// multiCounter adds to every counter it holds.
type multiCounter []prometheus.Counter

func (m multiCounter) Add(v float64) {
	for _, c := range m {
		c.Add(v)
	}
}

var _ remote.Client = (*observedClient)(nil)

// observe runs call as operation op and records its outcome.
func observe[T any](c *observedClient, op string, call func() (T, error)) (T, error) {
	start := c.m.cfg.Now()
	v, err := call()
	c.record(op, start, err)
	return v, err
}

func observeErr(c *observedClient, op string, call func() error) error {
	_, err := observe(c, op, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func (c *observedClient) record(op string, start time.Time, err error) {
	c.m.requests.WithLabelValues(op, statusClass(err)).Inc()
	if c.connRequests != nil {
		c.connRequests.WithLabelValues(op).Inc()
	}
	c.m.requestTime.WithLabelValues(op).Observe(c.m.cfg.Now().Sub(start).Seconds())
}

func (c *observedClient) ListBuckets(ctx context.Context) ([]remote.BucketInfo, error) {
	return observe(c, remote.OpListBuckets, func() ([]remote.BucketInfo, error) { return c.next.ListBuckets(ctx) })
}

func (c *observedClient) HeadBucket(ctx context.Context, bucket string) error {
	return observeErr(c, remote.OpHeadBucket, func() error { return c.next.HeadBucket(ctx, bucket) })
}

func (c *observedClient) List(ctx context.Context, req remote.ListRequest) (remote.ListPage, error) {
	return observe(c, remote.OpList, func() (remote.ListPage, error) { return c.next.List(ctx, req) })
}

func (c *observedClient) Head(ctx context.Context, bucket, key string) (remote.ObjectInfo, error) {
	return observe(c, remote.OpHead, func() (remote.ObjectInfo, error) { return c.next.Head(ctx, bucket, key) })
}

// Get is timed to the response; the body's bytes are counted as they are
// read.
func (c *observedClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	body, err := observe(c, remote.OpGet, func() (io.ReadCloser, error) { return c.next.Get(ctx, req) })
	if err != nil {
		return nil, err
	}
	return &countingBody{ReadCloser: body, bytes: c.bytesRead}, nil
}

// Put counts its body's bytes once S3 acknowledged them.
func (c *observedClient) Put(ctx context.Context, req remote.PutRequest) (remote.ObjectInfo, error) {
	info, err := observe(c, remote.OpPut, func() (remote.ObjectInfo, error) { return c.next.Put(ctx, req) })
	if err == nil {
		c.bytesWritten.Add(float64(req.Size))
	}
	return info, err
}

func (c *observedClient) Copy(ctx context.Context, req remote.CopyRequest) (remote.ObjectInfo, error) {
	return observe(c, remote.OpCopy, func() (remote.ObjectInfo, error) { return c.next.Copy(ctx, req) })
}

func (c *observedClient) Delete(ctx context.Context, bucket, key string) error {
	return observeErr(c, remote.OpDelete, func() error { return c.next.Delete(ctx, bucket, key) })
}

func (c *observedClient) CreateBucket(ctx context.Context, bucket string) error {
	return observeErr(c, remote.OpCreateBucket, func() error { return c.next.CreateBucket(ctx, bucket) })
}

func (c *observedClient) DeleteBucket(ctx context.Context, bucket string) error {
	return observeErr(c, remote.OpDeleteBucket, func() error { return c.next.DeleteBucket(ctx, bucket) })
}

func (c *observedClient) CreateMultipart(ctx context.Context, req remote.CreateMultipartRequest) (string, error) {
	return observe(c, remote.OpCreateMultipart, func() (string, error) { return c.next.CreateMultipart(ctx, req) })
}

// UploadPart counts its body's bytes once S3 acknowledged them.
func (c *observedClient) UploadPart(ctx context.Context, req remote.UploadPartRequest) (remote.Part, error) {
	p, err := observe(c, remote.OpUploadPart, func() (remote.Part, error) { return c.next.UploadPart(ctx, req) })
	if err == nil {
		c.bytesWritten.Add(float64(req.Size))
	}
	return p, err
}

func (c *observedClient) UploadPartCopy(ctx context.Context, req remote.UploadPartCopyRequest) (remote.Part, error) {
	return observe(c, remote.OpUploadPartCopy, func() (remote.Part, error) { return c.next.UploadPartCopy(ctx, req) })
}

func (c *observedClient) CompleteMultipart(ctx context.Context, req remote.CompleteMultipartRequest) (remote.ObjectInfo, error) {
	return observe(c, remote.OpCompleteMultipart, func() (remote.ObjectInfo, error) { return c.next.CompleteMultipart(ctx, req) })
}

func (c *observedClient) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	return observeErr(c, remote.OpAbortMultipart, func() error { return c.next.AbortMultipart(ctx, bucket, key, uploadID) })
}

func (c *observedClient) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]remote.Upload, error) {
	return observe(c, remote.OpListMultipartUploads, func() ([]remote.Upload, error) { return c.next.ListMultipartUploads(ctx, bucket, prefix) })
}

// countingBody counts the bytes read from a GET's body.
type countingBody struct {
	io.ReadCloser
	bytes adder
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.bytes.Add(float64(n))
	}
	return n, err
}

func (c *observedClient) ListVersions(ctx context.Context, req remote.ListVersionsRequest) (remote.VersionPage, error) {
	return observe(c, remote.OpListVersions, func() (remote.VersionPage, error) { return c.next.ListVersions(ctx, req) })
}

// HeadVersion is a HeadObject request, counted as one.
func (c *observedClient) HeadVersion(ctx context.Context, bucket, key, versionID string) (remote.ObjectInfo, error) {
	return observe(c, remote.OpHead, func() (remote.ObjectInfo, error) { return c.next.HeadVersion(ctx, bucket, key, versionID) })
}

func (c *observedClient) BucketVersioning(ctx context.Context, bucket string) (remote.Versioning, error) {
	return observe(c, remote.OpGetBucketVersioning, func() (remote.Versioning, error) { return c.next.BucketVersioning(ctx, bucket) })
}
