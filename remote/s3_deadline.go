package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Deadlines. Every S3 request runs under one of three, all derived from
// S3Config.RequestTimeout (T) and layered on the caller's context:
//
//   - fixed T for requests with small bodies both ways (HEAD, List,
//     Delete, bucket calls, CreateMultipart, Abort);
//   - fixed longFactor·T for server-side work whose duration grows with
//     the object (Copy, UploadPartCopy, CompleteMultipart; AWS answers
//     these at once with 200 and keeps the connection alive with spaces
//     while it works, so only servers that answer when done need it);
//   - a stall timer of T for transfers (GetObject bodies, Put and
//     UploadPart bodies): it fires only when no byte moved for T, so a
//     large body on a slow or shared link never times out while it
//     progresses, and a dead one fails within T. Once an upload's body
//     is all handed to the transport, the answer may wait for megabytes
//     still in socket buffers and for the server's checks of them, so the
//     rest of the request gets T plus the body's size at drainRate, at
//     most longFactor·T: a small PutObject to a frozen server fails
//     within about T, like a HEAD, instead of waiting longFactor·T.

// longFactor multiplies RequestTimeout for server-side copies, and bounds
// what is left of an upload once its body was handed off. It was 10 (300 s
// with the old 30 s default): a frozen server then held a rename or a
// commit for five minutes per attempt. 3·T (30 s) is still some 3 GB of
// copying at MinIO's pace on one disk.
const longFactor = 3

// drainRate is the slowest rate, in bytes per second, at which the bytes
// of an upload handed to the transport are assumed to leave the socket
// buffers and be checked by the server.
const drainRate = 256 << 10

// errStalled is the cancel cause when a transfer makes no progress for
// RequestTimeout.
var errStalled = errors.New("no progress within the request timeout")

// attempt returns the context for one short request.
func (s *S3) attempt(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// attemptLong returns the context for one server-side copy.
func (s *S3) attemptLong(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, longFactor*s.timeout)
}

// stall is a context that is canceled with errStalled unless progress is
// reported at least every timeout.
type stall struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
}

// newStall starts the timer at once: the wait for a connection and for the
// response headers counts as no progress.
func newStall(ctx context.Context, timeout time.Duration) *stall {
	sctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(timeout, func() { cancel(errStalled) })
	return &stall{ctx: sctx, cancel: cancel, timer: timer, timeout: timeout}
}

func (st *stall) progress() { st.timer.Reset(st.timeout) }
func (st *stall) pause()    { st.timer.Stop() }

// handedOff is called when a request body of sent bytes has been read to
// its end: what is left — the bytes still in socket buffers, the server's
// checks and answer — cannot be watched byte by byte, so it gets the
// timeout plus the time to drain sent bytes, at most the long deadline.
func (st *stall) handedOff(sent int64) { st.timer.Reset(handedOffDeadline(st.timeout, sent)) }

// handedOffDeadline is the time left to an upload whose body of sent bytes
// was read to its end.
func handedOffDeadline(timeout time.Duration, sent int64) time.Duration {
	drain := time.Duration(float64(sent) / drainRate * float64(time.Second))
	return min(timeout+drain, longFactor*timeout)
}

// release stops the timer and frees the context.
func (st *stall) release() {
	st.timer.Stop()
	st.cancel(nil)
}

// timedOut reports whether an attempt's context ended by its own deadline
// or stall timer (rather than by the caller, or by release after use).
func timedOut(actx context.Context) bool {
	cause := context.Cause(actx)
	return errors.Is(cause, context.DeadlineExceeded) || errors.Is(cause, errStalled)
}

// timeoutMessage explains an attempt that timed out.
func (s *S3) timeoutMessage(actx context.Context) string {
	if errors.Is(context.Cause(actx), errStalled) {
		return fmt.Sprintf("no progress for %v", s.timeout)
	}
	if d, ok := actx.Deadline(); ok {
		return fmt.Sprintf("no answer by the request deadline (%s)", d.Format(time.TimeOnly))
	}
	return "request timed out"
}

// progressBody is a request body, exactly the first size bytes of the
// caller's (sizedBody), that reports each Read to a stall timer. While the
// transport writes a body it keeps reading it; a link that stops taking
// bytes stops the reads, and the timer fires.
type progressBody struct {
	r  *sizedBody
	st *stall
}

func newProgressBody(body io.ReadSeeker, size int64, st *stall) *progressBody {
	return &progressBody{r: &sizedBody{r: body, size: size}, st: st}
}

// Read reports progress, and at the end the whole body as handed off:
// sizedBody gives io.EOF only once all size bytes were read.
func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.st.handedOff(b.r.size)
	} else {
		b.st.progress()
	}
	return n, err
}

func (b *progressBody) Seek(offset int64, whence int) (int64, error) {
	return b.r.Seek(offset, whence)
}
