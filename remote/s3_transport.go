package remote

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Connection-level timeouts of the HTTP transport. The per-request bound is
// S3Config.RequestTimeout; these only catch a peer that never answers.
const (
	dialTimeout         = 10 * time.Second
	dialKeepAlive       = 30 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
	transportBufferSize = 64 << 10
)

// newHTTPClient returns the SDK's buildable HTTP client (which the SDK
// needs in order to add a custom CA bundle from AWS_CA_BUNDLE or the
// profile) with a transport sized for maxConns parallel requests to one
// host. HTTP/2 stays off: S3 does not speak it, and many parallel range
// GETs are faster on separate connections than multiplexed on one.
// Compression stays off so that ranges and lengths are the bytes stored.
// No response-header or per-connection read timeout: every request has
// its own deadline or stall timer (s3_deadline.go), and a fixed header
// timeout would cut server-side copies that answer only when done.
func newHTTPClient(maxConns int) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = dialTimeout
			d.KeepAlive = dialKeepAlive
		}).
		WithTransportOptions(func(tr *http.Transport) {
			tr.Proxy = http.ProxyFromEnvironment
			tr.MaxIdleConns = maxConns
			tr.MaxIdleConnsPerHost = maxConns
			tr.MaxConnsPerHost = 0 // callers bound their own concurrency
			tr.IdleConnTimeout = idleConnTimeout
			tr.TLSHandshakeTimeout = tlsHandshakeTimeout
			tr.ResponseHeaderTimeout = 0
			tr.ExpectContinueTimeout = time.Second
			tr.DisableCompression = true
			tr.ForceAttemptHTTP2 = false
			tr.ReadBufferSize = transportBufferSize
			tr.WriteBufferSize = transportBufferSize
		}).
		WithReadTimeout(0)
}

// progressKey carries a request's progress hook in its context.
type progressKey struct{}

// withProgress returns ctx carrying hook, which the transport calls when
// the response headers arrive and after every read of the response body
// that returned bytes: proof that the server is working on this request
// (AWS keeps a server-side copy's connection alive with spaces).
func withProgress(ctx context.Context, hook func()) context.Context {
	return context.WithValue(ctx, progressKey{}, hook)
}

// progressClient wraps the SDK's HTTP client: it notes every response in
// live (the server answers) and reports a request's progress to the hook
// in its context, if any.
type progressClient struct {
	next s3.HTTPClient
	live *liveness
}

func (c *progressClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.WithContext(req.Context()) // shallow copy: the SDK keeps its own
		req.Body = requestBody{req.Body}
	}
	resp, err := c.next.Do(req)
	if err != nil {
		return resp, err
	}
	c.live.hear()
	if hook, _ := req.Context().Value(progressKey{}).(func()); hook != nil {
		hook()
		resp.Body = &progressReader{ReadCloser: resp.Body, hook: hook}
	}
	return resp, nil
}

// requestBody hides the WriteTo of the SDK's request body from the
// transport. The SDK (smithy-go) closes that body as soon as Do returns,
// to drop its reference, while the transport may still be using it: after
// writing ContentLength bytes it reads the body once more to check that
// nothing is left over, and the response can arrive in between (a server
// that answers 200 at once, like a copy or a completion sending spaces).
// A closed body then answers WriteTo with io.EOF, which the transport
// takes as a failed write: it closes the connection, and the answer still
// being read fails with "use of closed network connection". Read on a
// closed body gives io.EOF, which ends the copy without error.
type requestBody struct {
	io.ReadCloser
}

// progressReader is a response body that reports every read that got
// bytes.
type progressReader struct {
	io.ReadCloser
	hook func()
}

func (r *progressReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.hook()
	}
	return n, err
}

// liveness is what the S3 client knows of the server answering at all:
// when a response last arrived, and the probe that long requests send to
// find out (s3_deadline.go).
type liveness struct {
	mu      sync.Mutex
	heard   time.Time // when the last response's headers arrived
	probing bool      // a probe is in flight
	probed  time.Time // when the last probe was sent
}

func (l *liveness) hear() {
	now := time.Now()
	l.mu.Lock()
	if now.After(l.heard) {
		l.heard = now
	}
	l.mu.Unlock()
}

func (l *liveness) lastHeard() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.heard
}

// beginProbe reports whether a probe may be sent now: none in flight and
// none sent within every (then endProbe must be called).
func (l *liveness) beginProbe(every time.Duration) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.probing || now.Sub(l.probed) < every {
		return false
	}
	l.probing, l.probed = true, now
	return true
}

func (l *liveness) endProbe() {
	l.mu.Lock()
	l.probing = false
	l.mu.Unlock()
}
