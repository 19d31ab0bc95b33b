package remote

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Tests of server-side copies and completions (attemptLong) over real
// HTTP, with a short request timeout T: they outlast the longFactor·T
// stall window while the server shows signs of work, and end within it
// when the server is frozen.

const longT = 200 * time.Millisecond

// longCall is one kind of server-side work and the answer a server gives
// when it is done.
type longCall struct {
	name   string
	answer string
	call   func(ctx context.Context, c Client) error
}

var longCalls = []longCall{
	{"Copy", `<CopyObjectResult><ETag>"copied"</ETag><LastModified>2024-01-02T03:04:05.000Z</LastModified></CopyObjectResult>`,
		func(ctx context.Context, c Client) error {
			info, err := c.Copy(ctx, CopyRequest{SrcBucket: "bkt", SrcKey: "a", DstBucket: "bkt", DstKey: "b"})
			if err == nil && info.ETag != `"copied"` {
				err = errors.New("ETag " + info.ETag)
			}
			return err
		}},
	{"UploadPartCopy", `<CopyPartResult><ETag>"part"</ETag></CopyPartResult>`,
		func(ctx context.Context, c Client) error {
			p, err := c.UploadPartCopy(ctx, UploadPartCopyRequest{Bucket: "bkt", Key: "b", UploadID: "u", Number: 1,
				SrcBucket: "bkt", SrcKey: "a", Length: -1})
			if err == nil && p.ETag != `"part"` {
				err = errors.New("ETag " + p.ETag)
			}
			return err
		}},
	{"CompleteMultipart", `<CompleteMultipartUploadResult><ETag>"done-2"</ETag></CompleteMultipartUploadResult>`,
		func(ctx context.Context, c Client) error {
			info, err := c.CompleteMultipart(ctx, CompleteMultipartRequest{Bucket: "bkt", Key: "b", UploadID: "u",
				Parts: []Part{{Number: 1, ETag: `"a"`}}})
			if err == nil && info.ETag != `"done-2"` {
				err = errors.New("ETag " + info.ETag)
			}
			return err
		}},
}

// TestS3LongWorkKeepAlive: AWS answers 200 at once and sends spaces until
// the copy is done; 5·T of spaces every T/2 is waited for, though the
// stall window is 3·T.
func TestS3LongWorkKeepAlive(t *testing.T) {
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			t.Parallel()
			const work = 5 * longT
			srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead {
					return
				}
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
				w.(http.Flusher).Flush()
				for end := time.Now().Add(work); time.Now().Before(end); {
					select {
					case <-time.After(longT / 2):
					case <-r.Context().Done():
						return
					}
					io.WriteString(w, " ")
					w.(http.Flusher).Flush()
				}
				io.WriteString(w, lc.answer)
			})
			s := newTestS3(t, srv.URL, longT)
			start := time.Now()
			if err := lc.call(t.Context(), s); err != nil {
				t.Fatalf("%s answered with spaces for %v (T %v): %v", lc.name, work, longT, err)
			}
			if d := time.Since(start); d < work {
				t.Fatalf("done after %v, before the server's %v of work: the test proves nothing", d, work)
			}
		})
	}
}

// TestS3LongWorkAnsweredWhenDone: MinIO and Ceph answer a copy only when
// done, after 5·T here, while answering other requests: the probes'
// answers keep the copy waiting. Probes go at most one per T.
func TestS3LongWorkAnsweredWhenDone(t *testing.T) {
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			t.Parallel()
			const work = 5 * longT
			var heads atomic.Int32
			srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead {
					heads.Add(1)
					return
				}
				select {
				case <-time.After(work):
				case <-r.Context().Done():
					return
				}
				io.WriteString(w, lc.answer)
			})
			s := newTestS3(t, srv.URL, longT)
			start := time.Now()
			if err := lc.call(t.Context(), s); err != nil {
				t.Fatalf("%s answered after %v (T %v), HEADs answered: %v", lc.name, work, longT, err)
			}
			d := time.Since(start)
			if d < work {
				t.Fatalf("done after %v, before the server's %v of work: the test proves nothing", d, work)
			}
			if n := int(heads.Load()); n < 1 || n > int(d/longT)+1 {
				t.Errorf("%d probes in %v; want at least one, at most one per %v", n, d, longT)
			}
		})
	}
}

// TestS3LongWorkFrozenServer: a server that accepts connections and
// answers nothing, HEADs included, fails every kind of server-side work
// with ErrNoAnswer after longFactor·T, and through WithRetry within the
// README's bound: budget + longFactor·T + T.
func TestS3LongWorkFrozenServer(t *testing.T) {
	for _, lc := range longCalls {
		t.Run(lc.name, func(t *testing.T) {
			t.Parallel()
			srv := stallServer(t, false, "")
			s := newTestS3(t, srv.URL, longT)
			start := time.Now()
			err := lc.call(t.Context(), s)
			d := time.Since(start)
			if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "no sign of work") {
				t.Fatalf("%s to a frozen server: %v, want ErrNoAnswer for no sign of work", lc.name, err)
			}
			if d < longFactor*longT || d > longFactor*longT+longT {
				t.Errorf("failed after %v, want %v (longFactor·T)", d, longFactor*longT)
			}

			const budget = 5 * longT
			r := WithRetry(s, RetryConfig{Budget: budget, ProbeTimeout: longT, ProbeInterval: longT,
				BaseDelay: longT / 4, MaxDelay: longT})
			start = time.Now()
			err = lc.call(t.Context(), r)
			bound := budget + longFactor*longT + longT
			if d := time.Since(start); !errors.Is(err, ErrNoAnswer) || d > bound {
				t.Errorf("through WithRetry: %v after %v, want ErrNoAnswer within %v", err, d, bound)
			}
		})
	}
}

// TestS3LongWorkCap: a server that answers everything but never finishes
// a copy holds it up to the cap, then the copy fails as ErrTransient but
// not ErrNoAnswer: the server did answer, so it is not counted as silent.
func TestS3LongWorkCap(t *testing.T) {
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return
		}
		<-r.Context().Done()
	})
	s := newTestS3(t, srv.URL, longT)
	s.longCap = 5 * longT
	start := time.Now()
	err := longCalls[0].call(t.Context(), s)
	d := time.Since(start)
	if !errors.Is(err, ErrTransient) || errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "the cap") {
		t.Fatalf("Copy never done: %v, want ErrTransient (not ErrNoAnswer) at the cap", err)
	}
	if d < s.longCap || d > s.longCap+longT {
		t.Errorf("failed after %v, want the cap %v", d, s.longCap)
	}
}

// TestHealthSilentSinceLastHeard: a copy that showed signs of work for
// five minutes and then none until it timed out counts as silent from the
// last sign, not from when it was sent: with a budget of a minute the
// server is not taken to be frozen 30 s after it last answered.
func TestHealthSilentSinceLastHeard(t *testing.T) {
	var h health
	start := time.Unix(1000, 0)
	heard := start.Add(5 * time.Minute)
	end := heard.Add(longFactor * 10 * time.Second)
	err := &Error{Op: OpCopy, Kind: ErrNoAnswer, Message: "no sign of work", heard: heard}
	h.record(start, end, err, t.Context(), slog.New(slog.DiscardHandler))
	if !h.silentSince.Equal(heard) {
		t.Errorf("silent since %v, want the last sign of work %v", h.silentSince, heard)
	}
	if err := h.frozen(end, RetryConfig{Budget: time.Minute}); err != nil {
		t.Errorf("taken frozen %v after the last sign of work: %v", end.Sub(heard), err)
	}
}
