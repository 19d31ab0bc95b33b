package remote

import (
	"context"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// getObject sends one GetObject under a stall timer (s3_deadline.go):
// RequestTimeout for the response headers, then for each Read of the body;
// the timer does not run between Reads, so a slow consumer never trips it.
// The returned body classifies read errors like request errors, so a reset
// mid-body is ErrTransient.
func (s *S3) getObject(ctx context.Context, in *s3.GetObjectInput) (io.ReadCloser, error) {
	st := newStall(ctx, s.timeout)
	out, err := s.api.GetObject(st.ctx, in)
	st.pause()
	if err != nil {
		err = s.fail(ctx, st.ctx, OpGet, *in.Bucket, *in.Key, err)
		st.release()
		return nil, err
	}
	return &s3Body{s: s, ctx: ctx, st: st, body: out.Body, bucket: *in.Bucket, key: *in.Key}, nil
}

// s3Body is a GetObject response body. Reads are not concurrent (io.Reader
// contract); closeOnce makes Close idempotent.
type s3Body struct {
	s           *S3
	ctx         context.Context // the caller's
	st          *stall          // the attempt's
	body        io.ReadCloser
	bucket, key string
	closeOnce   sync.Once
}

// Read runs the stall timer only while waiting for bytes.
func (b *s3Body) Read(p []byte) (int, error) {
	b.st.progress()
	n, err := b.body.Read(p)
	b.st.pause()
	if err == nil || err == io.EOF {
		return n, err
	}
	return n, b.s.fail(b.ctx, b.st.ctx, OpGet, b.bucket, b.key, err)
}

// Close releases the connection and the attempt's context.
func (b *s3Body) Close() error {
	var err error
	b.closeOnce.Do(func() {
		err = b.body.Close()
		b.st.release()
	})
	return err
}
