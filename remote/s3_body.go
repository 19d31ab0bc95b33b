package remote

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// errStalled is the cancel cause when a GetObject makes no progress for
// RequestTimeout.
var errStalled = errors.New("no progress within the request timeout")

// getObject sends one GetObject. Its deadline is not a fixed total (a large
// range on a slow link may take long) but a stall timer: RequestTimeout for
// the response headers, then RequestTimeout for each Read of the body. The
// returned body classifies read errors like request errors, so a reset
// mid-body is ErrTransient.
func (s *S3) getObject(ctx context.Context, in *s3.GetObjectInput) (io.ReadCloser, error) {
	actx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(s.timeout, func() { cancel(errStalled) })
	out, err := s.api.GetObject(actx, in)
	timer.Stop()
	if err != nil {
		err = s.fail(ctx, actx, OpGet, *in.Bucket, *in.Key, err)
		cancel(nil)
		return nil, err
	}
	return &s3Body{
		s: s, ctx: ctx, actx: actx, cancel: cancel, timer: timer,
		body: out.Body, bucket: *in.Bucket, key: *in.Key,
	}, nil
}

// s3Body is a GetObject response body. Reads are not concurrent (io.Reader
// contract); closeOnce makes Close idempotent.
type s3Body struct {
	s           *S3
	ctx, actx   context.Context
	cancel      context.CancelCauseFunc
	timer       *time.Timer
	body        io.ReadCloser
	bucket, key string
	closeOnce   sync.Once
}

// Read runs the stall timer only while waiting for bytes, so a slow
// consumer never trips it.
func (b *s3Body) Read(p []byte) (int, error) {
	b.timer.Reset(b.s.timeout)
	n, err := b.body.Read(p)
	b.timer.Stop()
	if err == nil || err == io.EOF {
		return n, err
	}
	return n, b.s.fail(b.ctx, b.actx, OpGet, b.bucket, b.key, err)
}

// Close releases the connection and the attempt's context.
func (b *s3Body) Close() error {
	var err error
	b.closeOnce.Do(func() {
		b.timer.Stop()
		err = b.body.Close()
		b.cancel(nil)
	})
	return err
}
