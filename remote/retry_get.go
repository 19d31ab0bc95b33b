package remote

import (
	"context"
	"errors"
	"io"
)

// resumingBody is the body of a pinned Get (IfMatch or VersionID set)
// under WithRetry: a read cut off by a transient failure (a reset, a body
// truncated on its way, a stall) is continued by a new Get of the
// remaining range, pinned to the same ETag and version (req keeps both),
// so the caller sees one whole body of the version it started with. Without a pin a new
// request could return another version's bytes, so an unpinned Get's
// read errors stay the caller's. At most MaxAttempts resumptions, each a
// retried call of its own.
type resumingBody struct {
	r       *retrying
	ctx     context.Context
	req     GetRequest // the remaining range
	body    io.ReadCloser
	broken  error // a failure seen after returning bytes, to resume from
	resumes int
}

func (b *resumingBody) Read(p []byte) (int, error) {
	for {
		var n int
		var err error
		if b.broken != nil {
			err, b.broken = b.broken, nil
		} else {
			n, err = b.body.Read(p)
			b.advance(n)
		}
		if err == nil || err == io.EOF || !IsRetryable(err) || b.ctx.Err() != nil || b.resumes >= b.r.cfg.MaxAttempts {
			return n, err
		}
		if n > 0 {
			b.broken = err // return the bytes; resume on the next Read
			return n, nil
		}
		if b.req.Length == 0 {
			return 0, io.EOF
		}
		b.r.cfg.Logger.Debug("resuming a cut-off read", "bucket", b.req.Bucket, "key", b.req.Key,
			"offset", b.req.Offset, "err", err)
		_ = b.body.Close()
		b.resumes++
		req := b.req
		body, gerr := retry(b.r, b.ctx, OpGet, nil, func(ctx context.Context) (io.ReadCloser, error) { return b.r.next.Get(ctx, req) })
		if gerr != nil {
			b.body = io.NopCloser(errReader{gerr})
			return 0, errors.Join(err, gerr)
		}
		b.body = body
	}
}

// advance moves the remaining range past n bytes read.
func (b *resumingBody) advance(n int) {
	b.req.Offset += int64(n)
	if b.req.Length > 0 {
		b.req.Length -= int64(n)
	}
}

func (b *resumingBody) Close() error { return b.body.Close() }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
