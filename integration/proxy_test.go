//go:build linux

package integration

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// S3 request kinds the counting proxy tells apart.
const (
	reqListBuckets = "ListBuckets"
	reqHeadBucket  = "HeadBucket"
	reqHeadObject  = "HeadObject"
	reqList        = "ListObjectsV2"
	reqListV1      = "ListObjects(v1)"
	reqGetObject   = "GetObject"
	reqOther       = "other"
)

// countingProxy is a reverse proxy in front of MinIO that counts requests
// by kind, so that tests can assert how many requests an operation sends.
// It forwards the Host header unchanged, so SigV4 signatures made for the
// proxy's address stay valid.
type countingProxy struct {
	URL string // http://127.0.0.1:PORT

	mu     sync.Mutex // guards counts
	counts map[string]int
}

// startCountingProxy starts a proxy to target, closed when t ends.
func startCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{counts: map[string]int{}}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // keep the signed Host
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(classify(r))
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.URL = "http://" + l.Addr().String()
	return p
}

func (p *countingProxy) count(kind string) {
	p.mu.Lock()
	p.counts[kind]++
	p.mu.Unlock()
}

// Reset zeroes the counts.
func (p *countingProxy) Reset() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.mu.Unlock()
}

// Counts returns a copy of the counts since the last Reset.
func (p *countingProxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// classify names the S3 operation of a path-style request.
func classify(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	q.Del("x-id") // the SDK names some operations in the query
	get, head := r.Method == http.MethodGet, r.Method == http.MethodHead
	switch {
	case get && bucket == "":
		return reqListBuckets
	case head && key == "":
		return reqHeadBucket
	case head:
		return reqHeadObject
	case get && key == "" && q.Get("list-type") == "2":
		return reqList
	case get && key == "" && onlyParams(q, "prefix", "delimiter", "marker", "max-keys", "encoding-type"):
		return reqListV1
	case get && key != "" && onlyParams(q, "partNumber", "versionId"):
		return reqGetObject
	}
	return reqOther
}

// onlyParams reports whether every parameter of q is one of names.
func onlyParams(q url.Values, names ...string) bool {
	for k := range q {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}
