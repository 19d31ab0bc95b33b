package remote

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Tests of retries against an httptest server playing S3: answers cut off
// mid-way, stalls, on real HTTP connections.

// fastRetry retries on a real clock with tiny backoffs.
var fastRetry = RetryConfig{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, Budget: 10 * time.Second}

// TestS3TruncatedAnswersRetried: a 200 whose XML body is cut short
// (whole as far as HTTP knows: Content-Length matches, or the connection
// drops before it) is ErrTransient, and WithRetry's next attempt, answered
// whole, succeeds. Before, CreateMultipartUpload and ListObjectsV2
// failed at once.
func TestS3TruncatedAnswersRetried(t *testing.T) {
	const initiate = `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>up1</UploadId></InitiateMultipartUploadResult>`
	const list = `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>1</Size><ETag>"e"</ETag></Contents></ListBucketResult>`
	for _, cut := range []string{"short", "dropped"} {
		var n atomic.Int32
		srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
			body := list
			if r.URL.Query().Has("uploads") {
				body = initiate
			}
			if n.Add(1)%2 == 1 { // every first attempt is cut off
				half := body[:len(body)/2]
				if cut == "dropped" {
					hijackClose(w, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: "+
						strconv.Itoa(len(body))+"\r\n\r\n"+half)
					return
				}
				body = half
			}
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			io.WriteString(w, body)
		})
		s := newTestS3(t, srv.URL, 5*time.Second)

		// The classification alone.
		_, err := s.CreateMultipart(t.Context(), CreateMultipartRequest{Bucket: "bkt", Key: "k"})
		checkClass(t, cut+" CreateMultipartUpload answer", err, ErrTransient)
		n.Store(0)

		c := WithRetry(s, fastRetry)
		id, err := c.CreateMultipart(t.Context(), CreateMultipartRequest{Bucket: "bkt", Key: "k"})
		if err != nil || id != "up1" {
			t.Errorf("%s: CreateMultipart after a cut-off answer: %q, %v", cut, id, err)
		}
		page, err := c.List(t.Context(), ListRequest{Bucket: "bkt"})
		if err != nil || len(page.Objects) != 1 {
			t.Errorf("%s: List after a cut-off answer: %+v, %v", cut, page, err)
		}
	}
}

// TestS3StallThenRetry: a request whose answer does not start within the
// request timeout is abandoned (ErrNoAnswer) and sent again on a new
// connection, which the server answers: the call succeeds within about
// one timeout.
func TestS3StallThenRetry(t *testing.T) {
	const timeout = 300 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var n atomic.Int32
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 { // the first request hangs, as on a frozen server
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Length", "3")
		w.Header().Set("ETag", `"e"`)
		w.WriteHeader(http.StatusOK)
	})
	s := newTestS3(t, srv.URL, timeout)
	_, err := s.Head(t.Context(), "bkt", "k")
	if !errors.Is(err, ErrNoAnswer) || !errors.Is(err, ErrTransient) {
		t.Fatalf("stalled HEAD: %v, want ErrNoAnswer", err)
	}
	n.Store(0)
	start := time.Now()
	info, err := WithRetry(s, fastRetry).Head(t.Context(), "bkt", "k")
	if err != nil || info.Size != 3 {
		t.Fatalf("HEAD stalled once: %+v, %v", info, err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
	if d := time.Since(start); d >= 2*timeout+time.Second {
		t.Errorf("took %v, want about one timeout (%v)", d, timeout)
	}
}
