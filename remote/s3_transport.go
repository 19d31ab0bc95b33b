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
