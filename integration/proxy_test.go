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

	"github.com/objfs/objfs/internal/testenv"
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

	mu      sync.Mutex // guards counts, keys, seen, losses, uploads and strip
	counts  map[string]int
	keys    map[string][]string // kind -> object keys (HEAD and GET only)
	seen    []string            // "KIND METHOD URI" of requests other than listings
	losses  []*answerLoss       // answers to drop (proxy_loss_test.go)
	uploads []uploadSeen        // writes with bodies (proxy_checksum_test.go)
	strip   bool                // drop x-amz-checksum-* from answers (proxy_checksum_test.go)
}

// maxSeen bounds the requests remembered for failure messages.
const maxSeen = 50

// proxiedEndpoint is srv's endpoint reached through a new counting proxy.
func proxiedEndpoint(t *testing.T, srv *testenv.Server) (endpoint, *countingProxy) {
	t.Helper()
	proxy := startCountingProxy(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	return ep, proxy
}

// startCountingProxy starts a proxy to target, closed when t ends.
func startCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{counts: map[string]int{}, keys: map[string][]string{}}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // keep the signed Host
	}, ModifyResponse: p.stripChecksums}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(classify(r), r)
		p.recordUpload(r)
		if p.takeLoss(r) {
			serveLost(rp, r) // does not return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.URL = "http://" + l.Addr().String()
	return p
}

func (p *countingProxy) count(kind string, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[kind]++
	if kind == reqHeadObject || kind == reqGetObject {
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		p.keys[kind] = append(p.keys[kind], key)
	}
	if kind != reqList && len(p.seen) < maxSeen {
		p.seen = append(p.seen, kind+" "+r.Method+" "+r.URL.RequestURI())
	}
}

// Keys returns the object keys of the requests of kind (HeadObject or
// GetObject) since the last Reset.
func (p *countingProxy) Keys(kind string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.keys[kind])
}

// Seen returns the first requests since the last Reset that were not
// listings, for failure messages.
func (p *countingProxy) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// Reset zeroes the counts.
func (p *countingProxy) Reset() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.keys = map[string][]string{}
	p.seen = nil
	p.uploads = nil
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
