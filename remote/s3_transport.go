package remote

import (
	"net"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
// The SDK's per-connection read timeout is off: RequestTimeout bounds each
// attempt, and a GetObject body has its own stall timer (s3_body.go).
func newHTTPClient(maxConns int, responseTimeout time.Duration) *awshttp.BuildableClient {
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
			tr.ResponseHeaderTimeout = responseTimeout
			tr.ExpectContinueTimeout = time.Second
			tr.DisableCompression = true
			tr.ForceAttemptHTTP2 = false
			tr.ReadBufferSize = transportBufferSize
			tr.WriteBufferSize = transportBufferSize
		}).
		WithReadTimeout(0)
}
