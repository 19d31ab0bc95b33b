package remote_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// Tests of the retry policy's time bounds, on WithRetry's injected clock:
// a burst of throttling is ridden out, a frozen server bounds every call.

// TestRetryRidesOutThrottlingBurst: a server that answers 503 SlowDown for
// 3 s is waited out by the default policy even with the shortest jitter
// (every backoff at the bottom of its range), and with the longest the
// call still ends within the budget. Before, five attempts with full
// jitter could all be spent within a few milliseconds.
func TestRetryRidesOutThrottlingBurst(t *testing.T) {
	for _, jitter := range []float64{0, 0.999} {
		f, counted, c, s := retryFixture(t, remote.RetryConfig{Rand: func() float64 { return jitter }})
		burstEnd := s.now().Add(3 * time.Second)
		f.SetHook(remote.OpPut, func(context.Context, string) error {
			if s.now().Before(burstEnd) {
				return &remote.Error{Op: remote.OpPut, Kind: remote.ErrTransient, Code: "SlowDown", Status: 503}
			}
			return nil
		})
		start := s.now()
		_, err := c.Put(t.Context(), remote.PutRequest{Bucket: "bkt", Key: "w", Body: strings.NewReader("abc"), Size: 3})
		if err != nil {
			t.Fatalf("jitter %v: Put across a 3 s throttling burst: %v after %d attempts", jitter, err, counted.Count(remote.OpPut))
		}
		if took := s.now().Sub(start); took > remote.DefaultRetryBudget {
			t.Errorf("jitter %v: took %v, beyond the budget %v", jitter, took, remote.DefaultRetryBudget)
		}
	}
}

// noAnswer is a hook playing a frozen server: each attempt takes the
// request timeout on the clock and fails with ErrNoAnswer, while frozen.
type frozen struct {
	s       *sleeper
	mu      sync.Mutex
	on      bool
	attempt time.Duration
}

func (fz *frozen) set(on bool) {
	fz.mu.Lock()
	fz.on = on
	fz.mu.Unlock()
}

func (fz *frozen) hook(_ context.Context, op string) error {
	fz.mu.Lock()
	on := fz.on
	fz.mu.Unlock()
	if !on {
		return nil
	}
	fz.s.advance(fz.attempt)
	return &remote.Error{Op: op, Kind: remote.ErrNoAnswer, Message: "no answer by the request deadline"}
}

// TestRetryFrozenServer: against a server that never answers, a call
// stops retrying at the budget; once the server has been silent for the
// budget, calls fail at once without a request, but for one probe per
// ProbeInterval; the first answer ends it.
func TestRetryFrozenServer(t *testing.T) {
	var logs bytes.Buffer
	cfg := remote.RetryConfig{Budget: 20 * time.Second, ProbeInterval: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	f, counted, c, s := retryFixture(t, cfg)
	fz := &frozen{s: s, on: true, attempt: 10 * time.Second}
	f.SetHook(remote.AnyOp, fz.hook)
	ctx := t.Context()

	start := s.now()
	_, err := c.Head(ctx, "bkt", "k")
	if !errors.Is(err, remote.ErrNoAnswer) || !errors.Is(err, remote.ErrTransient) {
		t.Fatalf("Head of a frozen server: %v, want ErrNoAnswer (a kind of ErrTransient)", err)
	}
	if took := s.now().Sub(start); took > cfg.Budget+fz.attempt {
		t.Errorf("first call took %v, want at most the budget %v and one attempt", took, cfg.Budget)
	}
	if n := counted.Count(remote.OpHead); n != 2 {
		t.Errorf("%d attempts, want 2 (10 s each in a 20 s budget)", n)
	}

	// Silent for the budget: the next call is the probe (one attempt),
	// those right after it fail without a request.
	counted.Reset()
	start = s.now()
	if _, err := c.List(ctx, remote.ListRequest{Bucket: "bkt"}); !errors.Is(err, remote.ErrNoAnswer) {
		t.Fatalf("probe: %v", err)
	}
	if n := counted.Count(remote.OpList); n != 1 || s.now().Sub(start) != fz.attempt {
		t.Errorf("probe: %d attempts in %v, want 1 in %v", n, s.now().Sub(start), fz.attempt)
	}
	for range 3 {
		if err := c.Delete(ctx, "bkt", "k"); !errors.Is(err, remote.ErrNoAnswer) {
			t.Fatalf("Delete while frozen: %v", err)
		}
	}
	if n := counted.Count(remote.OpDelete); n != 0 {
		t.Errorf("%d Deletes sent to a server known frozen, want 0", n)
	}

	// The server answers again: after ProbeInterval the next call is
	// sent, succeeds, and everything flows again.
	fz.set(false)
	s.advance(cfg.ProbeInterval)
	if _, err := c.Head(ctx, "bkt", "k"); err != nil {
		t.Fatalf("Head once the server answers: %v", err)
	}
	for range 3 {
		if _, err := c.Head(ctx, "bkt", "k"); err != nil {
			t.Fatalf("Head after recovery: %v", err)
		}
	}
	// One line when calls start failing at once, one when it ends.
	if out := logs.String(); strings.Count(out, "has answered no request") != 1 || strings.Count(out, "server answers again") != 1 {
		t.Errorf("log:\n%s\nwant one line for the silence and one for its end", out)
	}
}

// TestRetryAnswerEndsSilence: an error the server sent (a 404, a 503) is
// an answer; a call after it is retried normally, never failed at once.
func TestRetryAnswerEndsSilence(t *testing.T) {
	cfg := remote.RetryConfig{Budget: 20 * time.Second}
	f, counted, c, s := retryFixture(t, cfg)
	fz := &frozen{s: s, on: true, attempt: 10 * time.Second}
	f.SetHook(remote.OpHead, fz.hook)
	if _, err := c.Head(t.Context(), "bkt", "k"); !errors.Is(err, remote.ErrNoAnswer) {
		t.Fatalf("Head: %v", err)
	}
	answered := false
	f.SetHook(remote.OpList, func(context.Context, string) error {
		if answered {
			return nil
		}
		answered = true
		return &remote.Error{Op: remote.OpList, Kind: remote.ErrTransient, Code: "SlowDown", Status: 503}
	})
	// The List is the probe, answered with a 503, so it is retried.
	if _, err := c.List(t.Context(), remote.ListRequest{Bucket: "bkt"}); err != nil {
		t.Fatalf("List answered 503 then 200: %v", err)
	}
	if n := counted.Count(remote.OpList); n != 2 {
		t.Errorf("%d List attempts, want 2", n)
	}
}

// cutGets is a Client whose Get bodies fail with ErrTransient after cut
// bytes, the first n times, recording each Get.
type cutGets struct {
	*remote.Fake
	mu   sync.Mutex
	n    int
	cut  int
	reqs []remote.GetRequest
}

func (c *cutGets) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	body, err := c.Fake.Get(ctx, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, req)
	if err != nil || c.n == 0 {
		return body, err
	}
	c.n--
	return &cutBody{body: body, left: c.cut}, nil
}

type cutBody struct {
	body io.ReadCloser
	left int
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, &remote.Error{Op: remote.OpGet, Kind: remote.ErrTransient, Message: "unexpected EOF"}
	}
	n, err := b.body.Read(p[:min(len(p), b.left)])
	b.left -= n
	return n, err
}

func (b *cutBody) Close() error { return b.body.Close() }

// TestRetryResumesCutOffGet: a pinned Get whose body is cut off mid-way
// is continued from where it stopped, pinned to the same ETag, and the
// caller reads the whole range; an unpinned Get's cut stays an error.
func TestRetryResumesCutOffGet(t *testing.T) {
	f := remote.NewFake()
	ctx := t.Context()
	if err := f.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 1000)
	info, err := f.Put(ctx, remote.PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	cg := &cutGets{Fake: f, n: 3, cut: 700}
	c := remote.WithRetry(cg, remote.RetryConfig{Sleep: func(context.Context, time.Duration) error { return nil }})
	body, err := c.Get(ctx, remote.GetRequest{Bucket: "bkt", Key: "k", IfMatch: info.ETag, Offset: 100, Length: 5000})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err != nil || !bytes.Equal(got, data[100:5100]) {
		t.Fatalf("read %d bytes, %v; want the 5000 asked for", len(got), err)
	}
	if len(cg.reqs) != 4 {
		t.Fatalf("%d Gets, want 4 (three cut off)", len(cg.reqs))
	}
	for i, r := range cg.reqs {
		if r.IfMatch != info.ETag || r.Offset != int64(100+700*i) || r.Length != int64(5000-700*i) {
			t.Errorf("Get %d: %+v, want offset %d length %d pinned", i, r, 100+700*i, 5000-700*i)
		}
	}

	cg = &cutGets{Fake: f, n: 1, cut: 700}
	c = remote.WithRetry(cg, remote.RetryConfig{Sleep: func(context.Context, time.Duration) error { return nil }})
	body, err = c.Get(ctx, remote.GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	if got, err := io.ReadAll(body); !errors.Is(err, remote.ErrTransient) || len(got) != 700 {
		t.Errorf("unpinned cut-off Get: %d bytes, %v; want 700 and the error", len(got), err)
	}
}

// TestRetryProbeCut: a probe of a silent server that would wait for its
// answer longer than ProbeTimeout (a server-side copy's deadline is three
// request timeouts) is cut at ProbeTimeout and fails with ErrNoAnswer,
// not with the caller's context error.
func TestRetryProbeCut(t *testing.T) {
	cfg := remote.RetryConfig{Budget: 20 * time.Second, ProbeTimeout: 50 * time.Millisecond}
	f, _, c, s := retryFixture(t, cfg)
	fz := &frozen{s: s, on: true, attempt: 10 * time.Second}
	f.SetHook(remote.OpHead, fz.hook)
	if _, err := c.Head(t.Context(), "bkt", "k"); !errors.Is(err, remote.ErrNoAnswer) {
		t.Fatalf("Head: %v", err)
	}
	f.SetHook(remote.OpCopy, func(ctx context.Context, _ string) error { // never answers
		<-ctx.Done()
		return &remote.Error{Op: remote.OpCopy, Kind: ctx.Err(), Err: ctx.Err()}
	})
	watchdog, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.Copy(watchdog, remote.CopyRequest{SrcBucket: "bkt", SrcKey: "k", DstBucket: "bkt", DstKey: "k2"})
	if !errors.Is(err, remote.ErrNoAnswer) || watchdog.Err() != nil {
		t.Fatalf("probe Copy: %v (watchdog %v), want ErrNoAnswer by the probe timeout", err, watchdog.Err())
	}
}
