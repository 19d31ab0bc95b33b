package remote_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// sleeper records the backoffs WithRetry asks for, without sleeping, and
// is WithRetry's clock: a sleep advances it by the backoff, and advance by
// the time an attempt takes.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
	clock  time.Time
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.clock = s.clock.Add(d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

func (s *sleeper) advance(d time.Duration) {
	s.mu.Lock()
	s.clock = s.clock.Add(d)
	s.mu.Unlock()
}

// retryFixture is a Fake with a bucket and an object, under Counting (so
// counts are attempts) under WithRetry.
func retryFixture(t *testing.T, cfg remote.RetryConfig) (*remote.Fake, *remote.Counting, remote.Client, *sleeper) {
	t.Helper()
	f := remote.NewFake()
	ctx := t.Context()
	if err := f.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Put(ctx, remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader([]byte("data")), Size: 4}); err != nil {
		t.Fatal(err)
	}
	s := &sleeper{clock: time.Unix(1_000_000, 0)}
	cfg.Sleep = s.sleep
	cfg.Now = s.now
	counted := remote.NewCounting(f)
	return f, counted, remote.WithRetry(counted, cfg), s
}

func TestRetryTransientThenSuccess(t *testing.T) {
	f, counted, c, s := retryFixture(t, remote.RetryConfig{Rand: func() float64 { return 0.5 }})
	f.FailNext(remote.OpHead, remote.ErrTransient, 2)
	info, err := c.Head(t.Context(), "bkt", "k")
	if err != nil || info.Size != 4 {
		t.Fatalf("Head after two transient failures: %+v, %v", info, err)
	}
	if n := counted.Count(remote.OpHead); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	// Jitter over the upper half of each step: 0.5 is three quarters of
	// 200ms, then of 400ms.
	want := []time.Duration{remote.DefaultBaseDelay * 3 / 4, remote.DefaultBaseDelay * 3 / 2}
	if len(s.delays) != 2 || s.delays[0] != want[0] || s.delays[1] != want[1] {
		t.Errorf("backoffs %v, want %v", s.delays, want)
	}
}

func TestRetryGivesUp(t *testing.T) {
	f, counted, c, s := retryFixture(t, remote.RetryConfig{MaxAttempts: 4})
	f.FailNext(remote.OpGet, remote.ErrUnreachable, 100)
	_, err := c.Get(t.Context(), remote.GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("after exhausting attempts: %v, want it to still wrap ErrUnreachable", err)
	}
	if n := counted.Count(remote.OpGet); n != 4 || len(s.delays) != 3 {
		t.Errorf("%d attempts and %d sleeps, want 4 and 3", n, len(s.delays))
	}
}

func TestRetryNeverRetriesPermanentErrors(t *testing.T) {
	for _, kind := range []error{remote.ErrNotFound, remote.ErrAccessDenied, remote.ErrPreconditionFailed,
		remote.ErrInvalidArgument, remote.ErrInvalidRange, errors.New("unclassified")} {
		f, counted, c, s := retryFixture(t, remote.RetryConfig{})
		f.FailNext(remote.OpHead, kind, 1)
		_, err := c.Head(t.Context(), "bkt", "k")
		if !errors.Is(err, kind) || counted.Count(remote.OpHead) != 1 || len(s.delays) != 0 {
			t.Errorf("%v: err %v after %d attempts, %d sleeps; want one attempt", kind, err,
				counted.Count(remote.OpHead), len(s.delays))
		}
	}
	// A real not-found from the fake is not retried either.
	_, counted, c, _ := retryFixture(t, remote.RetryConfig{})
	if _, err := c.Head(t.Context(), "bkt", "missing"); !errors.Is(err, remote.ErrNotFound) || counted.Count(remote.OpHead) != 1 {
		t.Errorf("missing key: %v after %d attempts", err, counted.Count(remote.OpHead))
	}
}

func TestRetryBackoffCapped(t *testing.T) {
	f, _, c, s := retryFixture(t, remote.RetryConfig{MaxAttempts: 10, Budget: time.Minute, BaseDelay: time.Second,
		MaxDelay: 5 * time.Second, Rand: func() float64 { return 0.999 }})
	f.FailNext(remote.OpList, remote.ErrTransient, 9)
	if _, err := c.List(t.Context(), remote.ListRequest{Bucket: "bkt"}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(s.delays) != 9 {
		t.Fatalf("%d sleeps, want 9", len(s.delays))
	}
	for i, d := range s.delays {
		limit := min(time.Second<<i, 5*time.Second)
		if d > limit || d < limit*99/100 {
			t.Errorf("backoff %d = %v, want just under %v", i+1, d, limit)
		}
	}
}

// rewindCheck is a Client whose Put and UploadPart consume the body, record
// where it started, and fail transiently the first time.
type rewindCheck struct {
	*remote.Fake
	mu     sync.Mutex
	starts []int64
	got    [][]byte
}

func (r *rewindCheck) consume(body io.ReadSeeker) (bool, error) {
	pos, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return false, err
	}
	data, err := io.ReadAll(body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts = append(r.starts, pos)
	r.got = append(r.got, data)
	return len(r.starts) == 1, err
}

func (r *rewindCheck) Put(ctx context.Context, req remote.PutRequest) (remote.ObjectInfo, error) {
	if first, err := r.consume(req.Body); first || err != nil {
		return remote.ObjectInfo{}, &remote.Error{Op: remote.OpPut, Kind: remote.ErrTransient}
	}
	return remote.ObjectInfo{Key: req.Key}, nil
}

func (r *rewindCheck) UploadPart(ctx context.Context, req remote.UploadPartRequest) (remote.Part, error) {
	if first, err := r.consume(req.Body); first || err != nil {
		return remote.Part{}, &remote.Error{Op: remote.OpUploadPart, Kind: remote.ErrTransient}
	}
	return remote.Part{Number: req.Number}, nil
}

func TestRetryRewindsBodies(t *testing.T) {
	s := &sleeper{}
	for _, op := range []string{remote.OpPut, remote.OpUploadPart} {
		r := &rewindCheck{Fake: remote.NewFake()}
		c := remote.WithRetry(r, remote.RetryConfig{Sleep: s.sleep})
		body := bytes.NewReader([]byte("payload"))
		var err error
		if op == remote.OpPut {
			_, err = c.Put(t.Context(), remote.PutRequest{Bucket: "bkt", Key: "k", Body: body, Size: 7})
		} else {
			_, err = c.UploadPart(t.Context(), remote.UploadPartRequest{Bucket: "bkt", Key: "k", UploadID: "u", Number: 1, Body: body, Size: 7})
		}
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if len(r.starts) != 2 || r.starts[1] != 0 || string(r.got[1]) != "payload" {
			t.Fatalf("%s: attempts started at %v and read %q; the retry must start at 0 with the whole body", op, r.starts, r.got)
		}
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	f := remote.NewFake()
	f.FailNext(remote.AnyOp, remote.ErrTransient, 1000)
	c := remote.WithRetry(f, remote.RetryConfig{MaxAttempts: 1000, BaseDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.HeadBucket(ctx, "bkt")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HeadBucket until the deadline: %v, want context.DeadlineExceeded", err)
	}
	if remote.IsRetryable(err) {
		t.Errorf("a context error must not look retryable: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after the deadline", d)
	}
}

func TestRetryConfigValidate(t *testing.T) {
	bad := []remote.RetryConfig{{MaxAttempts: -1}, {BaseDelay: -1}, {MaxDelay: -1},
		{BaseDelay: 10 * time.Second, MaxDelay: time.Second}}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", c)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("WithRetry(%+v) did not panic", c)
				}
			}()
			remote.WithRetry(remote.NewFake(), c)
		}()
	}
	if err := (remote.RetryConfig{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
	d := remote.RetryConfig{}.WithDefaults()
	if d.MaxAttempts != remote.DefaultMaxAttempts || d.BaseDelay != remote.DefaultBaseDelay ||
		d.MaxDelay != remote.DefaultMaxDelay || d.Sleep == nil || d.Rand == nil || d.Logger == nil {
		t.Errorf("defaults: %+v", d)
	}
}

// TestRetryConformance: the decorator passes the whole suite over the
// Fake, so it changes nothing but failure handling.
func TestRetryConformance(t *testing.T) {
	runConformance(t, func(f *remote.Fake) remote.Client { return remote.WithRetry(f, remote.RetryConfig{}) })
}
