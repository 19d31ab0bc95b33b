package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Deadlines. Every S3 request runs under one of three, all derived from
// S3Config.RequestTimeout (T) and layered on the caller's context:
//
//   - fixed T for requests with small bodies both ways (HEAD, List,
//     Delete, bucket calls, CreateMultipart, Abort);
//   - for server-side work whose duration grows with the object (Copy,
//     UploadPartCopy, CompleteMultipart), a stall timer of longFactor·T
//     that every sign of the server working resets, within a cap of
//     longCap (attemptLong). Signs of work: bytes of this request's
//     answer (its headers, each read of its body: AWS answers 200 at once
//     and sends spaces until done), or any answer of the server to
//     another request (MinIO and Ceph answer a copy only when done, but
//     go on answering the rest). When nothing was heard for T, a probe
//     (HeadBucket, one at a time for the client, at most one per T) asks.
//     A frozen server shows no sign, so the request fails longFactor·T
//     after the last one, as a fixed deadline would;
//   - a stall timer of T for transfers (GetObject bodies, Put and
//     UploadPart bodies): it fires only when no byte moved for T, so a
//     large body on a slow or shared link never times out while it
//     progresses, and a dead one fails within T. Once an upload's body
//     is all handed to the transport, the answer may wait for megabytes
//     still in socket buffers and for the server's checks of them, so the
//     rest of the request gets T plus the body's size at drainRate, at
//     most longFactor·T: a small PutObject to a frozen server fails
//     within about T, like a HEAD, instead of waiting longFactor·T.

// longFactor multiplies RequestTimeout for how long server-side work may
// show no sign of progress, and bounds what is left of an upload once its
// body was handed off. It was a fixed deadline of 10·T (300 s with the old
// 30 s default): a frozen server then held a rename or a commit for five
// minutes per attempt.
const longFactor = 3

// longCap bounds one server-side copy or completion that keeps showing
// signs of work: 5 GiB (the most one CopyObject or UploadPartCopy copies)
// at under 10 MB/s. It does not scale with T: T measures how long silence
// is tolerated, not how fast a server copies. A server that answers
// everything but never finishes a copy holds it this long, once (the
// retry budget has passed by then).
const longCap = 10 * time.Minute

// drainRate is the slowest rate, in bytes per second, at which the bytes
// of an upload handed to the transport are assumed to leave the socket
// buffers and be checked by the server.
const drainRate = 256 << 10

// errStalled is the cancel cause when a transfer makes no progress for
// RequestTimeout.
var errStalled = errors.New("no progress within the request timeout")

// errNoWork is the cancel cause when server-side work showed no sign of
// progress for longFactor·T; it is an errStalled.
var errNoWork = fmt.Errorf("no sign of server-side work: %w", errStalled)

// errLongCap is the cancel cause when server-side work, still showing
// signs of progress, reached longCap.
var errLongCap = errors.New("server-side work not done within the cap")

// attempt returns the context for one short request.
func (s *S3) attempt(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// longAttempt is one server-side copy or completion in flight: its
// context ends when the server showed no sign of work for longFactor·T,
// or at longCap. release must be called.
type longAttempt struct {
	ctx       context.Context // the request's: carries the progress hook
	st        *stall
	cancelCap context.CancelFunc
	done      chan struct{} // closed when the watcher has returned

	start time.Time

	mu       sync.Mutex
	last     time.Time // the last sign of work; the start at first
	released bool
}

// attemptLong starts the context of one server-side copy or completion
// into bucket, and the watcher that looks for signs of work beyond the
// request's own bytes.
func (s *S3) attemptLong(ctx context.Context, bucket string) *longAttempt {
	cctx, cancelCap := context.WithTimeoutCause(ctx, s.longCap, errLongCap)
	now := time.Now()
	la := &longAttempt{st: newStallCause(cctx, longFactor*s.timeout, errNoWork), cancelCap: cancelCap,
		done: make(chan struct{}), start: now, last: now}
	la.ctx = withProgress(la.st.ctx, func() { la.sawWork(time.Now()) })
	go s.watchLong(la, bucket)
	return la
}

// sawWork moves the stall timer to longFactor·T after t, when t is the
// latest sign of work yet (reports come from the transport and from the
// watcher, in any order).
func (la *longAttempt) sawWork(t time.Time) {
	la.mu.Lock()
	defer la.mu.Unlock()
	if la.released || !t.After(la.last) {
		return
	}
	la.last = t
	la.st.timer.Reset(time.Until(t.Add(la.st.timeout)))
}

func (la *longAttempt) lastWork() time.Time {
	la.mu.Lock()
	defer la.mu.Unlock()
	return la.last
}

// failLong is S3.fail for the attempt, noting when the server last showed
// signs of work, so that WithRetry counts it silent only since then.
func (s *S3) failLong(ctx context.Context, la *longAttempt, op, bucket, key string, err error) error {
	err = s.fail(ctx, la.ctx, op, bucket, key, err)
	if e, ok := err.(*Error); ok {
		if last := la.lastWork(); last.After(la.start) {
			e.heard = last
		}
	}
	return err
}

// release ends the attempt and waits for its watcher (and probe).
func (la *longAttempt) release() {
	la.mu.Lock()
	la.released = true
	la.st.release()
	la.mu.Unlock()
	la.cancelCap()
	<-la.done
}

// watchLong credits la, every T, with the server's answers to other
// requests, and when nothing at all was heard for T sends a probe.
func (s *S3) watchLong(la *longAttempt, bucket string) {
	defer close(la.done)
	tick := time.NewTicker(s.timeout)
	defer tick.Stop()
	for {
		select {
		case <-la.st.ctx.Done():
			return
		case <-tick.C:
		}
		la.sawWork(s.live.lastHeard())
		if time.Since(la.lastWork()) >= s.timeout {
			s.probe(la, bucket)
		}
	}
}

// probe sends a HeadBucket, unless another is in flight or was sent within
// T, and credits la with its answer, whatever the status: an answer is a
// sign that the server works. It is cut after T and when la ends.
func (s *S3) probe(la *longAttempt, bucket string) {
	if !s.live.beginProbe(s.timeout) {
		return
	}
	defer s.live.endProbe()
	pctx, cancel := context.WithTimeout(la.st.ctx, s.timeout) // without la's progress hook
	defer cancel()
	_, _ = s.api.HeadBucket(pctx, &s3.HeadBucketInput{Bucket: &bucket})
	la.sawWork(s.live.lastHeard())
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
	return newStallCause(ctx, timeout, errStalled)
}

// newStallCause is newStall with another cause than errStalled.
func newStallCause(ctx context.Context, timeout time.Duration, cause error) *stall {
	sctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(timeout, func() { cancel(cause) })
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
	cause := context.Cause(actx)
	if errors.Is(cause, errNoWork) {
		return fmt.Sprintf("no sign of work from the server for %v", longFactor*s.timeout)
	}
	if errors.Is(cause, errStalled) {
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
