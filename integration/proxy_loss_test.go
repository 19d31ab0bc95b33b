//go:build linux

package integration

import (
	"net/http"
	"net/http/httptest"
)

// answerLoss drops the answers of the next left requests that match.
type answerLoss struct {
	match func(*http.Request) bool
	left  int
	lost  int
}

// LoseAnswers makes the proxy forward the next n requests that match to
// MinIO, wait for MinIO's whole answer, and then close the client's
// connection without passing it on: MinIO applied the request, objfs
// sees the connection drop, as when a network path fails at the worst
// moment. The returned function reports how many answers were lost.
func (p *countingProxy) LoseAnswers(match func(*http.Request) bool, n int) (lost func() int) {
	l := &answerLoss{match: match, left: n}
	p.mu.Lock()
	p.losses = append(p.losses, l)
	p.mu.Unlock()
	return func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		return l.lost
	}
}

// takeLoss reports whether r's answer is to be lost, counting it.
func (p *countingProxy) takeLoss(r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.losses {
		if l.left > 0 && l.match(r) {
			l.left--
			l.lost++
			return true
		}
	}
	return false
}

// serveLost forwards r through rp into a recorder, so that MinIO applies
// it completely, and then aborts the handler: net/http closes the
// connection with nothing written (and logs nothing for this panic).
func serveLost(rp http.Handler, r *http.Request) {
	rp.ServeHTTP(httptest.NewRecorder(), r)
	panic(http.ErrAbortHandler)
}

// isCompleteMultipart matches CompleteMultipartUpload: POST ?uploadId=.
func isCompleteMultipart(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Query().Has("uploadId")
}

// isConditionalPut matches a PutObject with If-None-Match (a create that
// must not replace an existing key).
func isConditionalPut(r *http.Request) bool {
	return r.Method == http.MethodPut && r.Header.Get("If-None-Match") != "" &&
		!r.URL.Query().Has("uploadId")
}
