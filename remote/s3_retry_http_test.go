package remote

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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

// TestS3RidesOutSlowDownBurst: a server answering 503 SlowDown to every
// request for 3 s, on a real clock with the default policy: the write
// succeeds. Before, five attempts with full jitter were spent in about a
// second.
func TestS3RidesOutSlowDownBurst(t *testing.T) {
	var burstEnd atomic.Int64
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		if time.Now().UnixNano() < burstEnd.Load() {
			s3Error(http.StatusServiceUnavailable, "SlowDown")(w, r)
			return
		}
		w.Header().Set("ETag", `"e"`)
		w.WriteHeader(http.StatusOK)
	})
	s := newTestS3(t, srv.URL, 5*time.Second)
	c := WithRetry(s, RetryConfig{})
	start := time.Now()
	burstEnd.Store(start.Add(3 * time.Second).UnixNano())
	_, err := c.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: strings.NewReader("abc"), Size: 3})
	if err != nil {
		t.Fatalf("Put across a 3 s SlowDown burst: %v after %d requests", err, srv.count())
	}
	t.Logf("%d requests in %v", srv.count(), time.Since(start).Round(time.Millisecond))
}

// TestS3ResumesCutOffGet: a pinned GET whose body the connection drops
// after 100 of 1000 bytes continues with a GET of bytes 100-999 pinned to
// the same ETag, and the reader gets all 1000 bytes.
func TestS3ResumesCutOffGet(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	var n atomic.Int32
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hijackClose(w, "HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\nContent-Range: bytes 0-999/1000\r\nETag: \"e\"\r\n\r\n"+string(data[:100]))
			return
		}
		var from, to int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &from, &to); err != nil || r.Header.Get("If-Match") != `"e"` {
			http.Error(w, "unexpected resume "+r.Header.Get("Range")+" "+r.Header.Get("If-Match"), http.StatusBadRequest)
			return
		}
		w.Header().Set("ETag", `"e"`)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/1000", from, to))
		w.Header().Set("Content-Length", strconv.Itoa(to-from+1))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[from : to+1])
	})
	c := WithRetry(newTestS3(t, srv.URL, 5*time.Second), fastRetry)
	body, err := c.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", IfMatch: `"e"`, Length: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, err := io.ReadAll(body)
	if err != nil || string(got) != string(data) {
		t.Fatalf("read %d bytes, %v; want the 1000 bytes whole", len(got), err)
	}
	if last := srv.last(t); n.Load() != 2 || last.header.Get("Range") != "bytes=100-999" {
		t.Errorf("%d requests, the last with Range %q; want 2, the second bytes=100-999", n.Load(), last.header.Get("Range"))
	}
}
