package remote

import (
	"net"
	"net/http"
	"time"
)

// Connection-level timeouts of the HTTP transport. The per-request bound is
// S3Config.RequestTimeout; these only catch a peer that never answers.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
	transportBufferSize = 64 << 10
)

// newTransport returns an HTTP/1.1 transport sized for maxConns parallel
// requests to one host. HTTP/2 stays off: S3 does not speak it, and many
// parallel range GETs are faster on separate connections than multiplexed
// on one. Compression stays off so that ranges and lengths are the bytes
// stored.
func newTransport(maxConns int, responseTimeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          maxConns,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ReadBufferSize:        transportBufferSize,
		WriteBufferSize:       transportBufferSize,
	}
}
