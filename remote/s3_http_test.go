package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests of the S3 client against an httptest server that plays S3: what
// the client sends, and how it classifies what comes back.

const (
	testAccessKey = "AKIDTESTSECRETLEAK1"
	testSecretKey = "s3cr3t-must-never-show-up-anywhere"
)

// recorded is one request the fake server received.
type recorded struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// s3Server is an httptest server answering with handler and recording
// every request.
type s3Server struct {
	*httptest.Server
	mu   sync.Mutex // guards reqs
	reqs []recorded
}

func newS3Server(t *testing.T, handler http.HandlerFunc) *s3Server {
	t.Helper()
	s := &s3Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), body})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body)) // for handlers that read it too
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *s3Server) last(t *testing.T) recorded {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("server received no request")
	}
	return s.reqs[len(s.reqs)-1]
}

func (s *s3Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func newTestS3(t *testing.T, endpoint string, timeout time.Duration) *S3 {
	t.Helper()
	c, err := NewS3(t.Context(), S3Config{Endpoint: endpoint, Region: "us-east-1", PathStyle: true,
		AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, RequestTimeout: timeout})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return c
}

// s3Error answers with an S3 error document.
func s3Error(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amz-request-id", "REQ123")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead && code != "" {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+
				`</Code><Message>message for `+code+`</Message><RequestId>REQ123</RequestId></Error>`)
		}
	}
}

func TestS3ErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		code   string
		want   error // nil: unclassified
	}{
		{404, "NoSuchKey", ErrNotFound},
		{404, "NoSuchBucket", ErrNotFound},
		{404, "NoSuchUpload", ErrNotFound},
		{404, "", ErrNotFound},
		{403, "AccessDenied", ErrAccessDenied},
		{403, "SignatureDoesNotMatch", ErrAccessDenied},
		{403, "InvalidAccessKeyId", ErrAccessDenied},
		{400, "ExpiredToken", ErrAccessDenied},
		{403, "", ErrAccessDenied},
		{412, "PreconditionFailed", ErrPreconditionFailed},
		{412, "", ErrPreconditionFailed},
		{416, "InvalidRange", ErrInvalidRange},
		{409, "BucketAlreadyExists", ErrExists},
		{409, "BucketAlreadyOwnedByYou", ErrExists},
		{409, "BucketNotEmpty", ErrNotEmpty},
		{500, "InternalError", ErrTransient},
		{503, "SlowDown", ErrTransient},
		{503, "ServiceUnavailable", ErrTransient},
		{400, "RequestTimeout", ErrTransient},
		{400, "BadDigest", ErrTransient},
		{502, "", ErrTransient},
		{429, "", ErrTransient},
		{400, "InvalidArgument", ErrInvalidArgument},
		{400, "InvalidBucketName", ErrInvalidArgument},
		{400, "EntityTooSmall", ErrInvalidArgument},
		{400, "", ErrInvalidArgument},
		{501, "NotImplemented", nil},
		{405, "MethodNotAllowed", nil},
	}
	for _, c := range cases {
		for _, method := range []string{"GET", "HEAD"} {
			if method == "HEAD" && c.code != "" {
				continue // HEAD answers carry no body, hence no code
			}
			srv := newS3Server(t, s3Error(c.status, c.code))
			s := newTestS3(t, srv.URL, 5*time.Second)
			var err error
			if method == "GET" {
				_, err = s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "some/key", Length: -1})
			} else {
				_, err = s.Head(t.Context(), "bkt", "some/key")
			}
			name := method + " " + http.StatusText(c.status) + " " + c.code
			checkClass(t, name, err, c.want)
			msg := err.Error()
			if !strings.Contains(msg, "s3 ") || !strings.Contains(msg, "bkt/some/key") {
				t.Errorf("%s: message %q lacks operation, bucket and key", name, msg)
			}
			if c.code != "" && (!strings.Contains(msg, c.code) || !strings.Contains(msg, "REQ123")) {
				t.Errorf("%s: message %q lacks the S3 code or request id", name, msg)
			}
			noSecrets(t, name, msg)
		}
	}
}

// checkClass fails unless err wraps want (or, for want nil, no sentinel).
func checkClass(t *testing.T, name string, err, want error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not a *remote.Error", name, err, err)
	}
	if want == nil {
		if e.Kind != nil {
			t.Errorf("%s: classified %v, want unclassified (%v)", name, e.Kind, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
	}
}

func noSecrets(t *testing.T, name, msg string) {
	t.Helper()
	if strings.Contains(msg, testSecretKey) || strings.Contains(msg, testAccessKey) {
		t.Errorf("%s: message shows credentials: %q", name, msg)
	}
}

// hijackClose cuts the connection with a TCP reset after writing prefix.
func hijackClose(w http.ResponseWriter, prefix string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	buf.WriteString(prefix)
	buf.Flush()
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

func TestS3ConnectionReset(t *testing.T) {
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) { hijackClose(w, "") })
	s := newTestS3(t, srv.URL, 5*time.Second)
	_, err := s.Head(t.Context(), "bkt", "k")
	checkClass(t, "reset before the answer", err, ErrTransient)
}

func TestS3BodyCutOff(t *testing.T) {
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		hijackClose(w, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"x\"\r\n\r\n"+strings.Repeat("a", 100))
	})
	s := newTestS3(t, srv.URL, 5*time.Second)
	rc, err := s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	checkClass(t, "body cut off", err, ErrTransient)
	if len(data) > 100 {
		t.Errorf("read %d bytes of a body cut at 100", len(data))
	}
}

func TestS3Unreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL
	srv.Close() // nothing listens there now
	s := newTestS3(t, endpoint, 5*time.Second)
	err := s.HeadBucket(t.Context(), "bkt")
	checkClass(t, "connection refused", err, ErrUnreachable)
	if !IsRetryable(err) {
		t.Errorf("unreachable should be retryable: %v", err)
	}
}

// stallServer answers headers and prefix, then hangs until released.
func stallServer(t *testing.T, headers bool, prefix string) *s3Server {
	release := make(chan struct{})
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		if headers {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, prefix)
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

func TestS3StalledHeaders(t *testing.T) {
	s := newTestS3(t, stallServer(t, false, "").URL, 300*time.Millisecond)
	start := time.Now()
	_, err := s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	checkClass(t, "stalled before headers", err, ErrTransient)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stall detected after %v, want about 300ms", d)
	}
	start = time.Now()
	_, err = s.Head(t.Context(), "bkt", "k")
	checkClass(t, "stalled HEAD", err, ErrTransient)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("HEAD stall detected after %v", d)
	}
}

func TestS3StalledBody(t *testing.T) {
	s := newTestS3(t, stallServer(t, true, "0123456789").URL, 300*time.Millisecond)
	rc, err := s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	buf := make([]byte, 10)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatalf("reading the bytes sent: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // a slow consumer must not trip the timer
	start := time.Now()
	_, err = rc.Read(buf)
	checkClass(t, "stalled body", err, ErrTransient)
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("stalled Read returned after %v, want about 300ms", d)
	}
}

func TestS3SlowConsumer(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1<<20)
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	s := newTestS3(t, srv.URL, 200*time.Millisecond)
	rc, err := s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	rest, err := io.ReadAll(rc)
	if err != nil || len(rest)+len(buf) != len(data) {
		t.Fatalf("after a pause: %d bytes, %v", len(rest)+len(buf), err)
	}
}

func TestS3CallerCancel(t *testing.T) {
	s := newTestS3(t, stallServer(t, false, "").URL, time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := s.Head(ctx, "bkt", "k")
	if !errors.Is(err, context.DeadlineExceeded) || IsRetryable(err) {
		t.Fatalf("Head past the caller's deadline: %v, want context.DeadlineExceeded, not retryable", err)
	}
}

func ok(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", `"etag"`)
	switch {
	case r.Method == http.MethodPut && r.Header.Get("x-amz-copy-source") != "":
		io.WriteString(w, `<CopyObjectResult><ETag>"copied"</ETag><LastModified>2024-01-02T03:04:05.000Z</LastModified></CopyObjectResult>`)
	case r.Method == http.MethodPost && strings.Contains(r.URL.RawQuery, "uploadId"):
		io.WriteString(w, `<CompleteMultipartUploadResult><ETag>"done-2"</ETag></CompleteMultipartUploadResult>`)
	case r.Method == http.MethodGet:
		io.WriteString(w, "data")
	}
}

func TestS3PutHeaders(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	body := []byte("hello, integrity")
	_, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "a b", Body: bytes.NewReader(body),
		Size: int64(len(body)), IfNoneMatch: true, Metadata: map[string]string{"mtime": "12.5"}})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	req := srv.last(t)
	h := req.header
	wantBodyChecksum(t, h, "X-Amz-Checksum-Crc32c", crc32cOf(body))
	if h.Get("If-None-Match") != "*" || h.Get("X-Amz-Meta-Mtime") != "12.5" {
		t.Errorf("If-None-Match %q, x-amz-meta-mtime %q", h.Get("If-None-Match"), h.Get("X-Amz-Meta-Mtime"))
	}
	if ce := h.Get("Content-Encoding"); strings.Contains(ce, "aws-chunked") || h.Get("X-Amz-Trailer") != "" {
		t.Errorf("streaming trailer sent: Content-Encoding %q, trailer %q", ce, h.Get("X-Amz-Trailer"))
	}
	if !bytes.Equal(req.body, body) || req.path != "/bkt/a%20b" {
		t.Errorf("sent %q to %s", req.body, req.path)
	}
	if auth := h.Get("Authorization"); !strings.Contains(auth, "/us-east-1/s3/") {
		t.Errorf("not signed for us-east-1: %q", auth)
	}
}

func TestS3GetHeaders(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	cases := []struct {
		off, n int64
		want   string
	}{{0, -1, ""}, {0, 10, "bytes=0-9"}, {5, 10, "bytes=5-14"}, {5, -1, "bytes=5-"}}
	for _, c := range cases {
		rc, err := s.Get(t.Context(), GetRequest{Bucket: "bkt", Key: "k", IfMatch: `"v1"`, Offset: c.off, Length: c.n})
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		rc.Close()
		h := srv.last(t).header
		if h.Get("Range") != c.want || h.Get("If-Match") != `"v1"` {
			t.Errorf("offset %d length %d: Range %q If-Match %q, want %q", c.off, c.n, h.Get("Range"), h.Get("If-Match"), c.want)
		}
	}
}

func TestS3CopyHeaders(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	info, err := s.Copy(t.Context(), CopyRequest{SrcBucket: "src", SrcKey: "a b+c%d#e?f/ü", SrcETag: `"v1"`,
		DstBucket: "dst", DstKey: "x", Metadata: map[string]string{"mtime": "3"}, ReplaceMetadata: true})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if info.ETag != `"copied"` || info.LastModified.IsZero() || info.Size != -1 {
		t.Errorf("Copy returned %+v", info)
	}
	h := srv.last(t).header
	if got, want := h.Get("X-Amz-Copy-Source"), "src/a%20b%2Bc%25d%23e%3Ff/%C3%BC"; got != want {
		t.Errorf("copy source %q, want %q", got, want)
	}
	if h.Get("X-Amz-Metadata-Directive") != "REPLACE" || h.Get("X-Amz-Copy-Source-If-Match") != `"v1"` ||
		h.Get("X-Amz-Meta-Mtime") != "3" {
		t.Errorf("directive %q, if-match %q, mtime %q", h.Get("X-Amz-Metadata-Directive"),
			h.Get("X-Amz-Copy-Source-If-Match"), h.Get("X-Amz-Meta-Mtime"))
	}
}

func TestS3ListDecodesKeys(t *testing.T) {
	for _, echo := range []bool{true, false} {
		srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
			enc := ""
			if echo {
				enc = "<EncodingType>url</EncodingType>"
			}
			io.WriteString(w, `<ListBucketResult>`+enc+`<IsTruncated>true</IsTruncated>`+
				`<NextContinuationToken>tok+1/=</NextContinuationToken>`+
				`<Contents><Key>a+b%2Bc%25%01</Key><Size>3</Size><ETag>"e"</ETag></Contents>`+
				`<CommonPrefixes><Prefix>dir+x%2F/</Prefix></CommonPrefixes></ListBucketResult>`)
		})
		s := newTestS3(t, srv.URL, 5*time.Second)
		page, err := s.List(t.Context(), ListRequest{Bucket: "bkt", Delimiter: "/", MaxKeys: 2, Token: "t0"})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		wantKey, wantPrefix := "a b+c%\x01", "dir x//"
		if !echo { // the server did not encode: keys are raw
			wantKey, wantPrefix = "a+b%2Bc%25%01", "dir+x%2F/"
		}
		if len(page.Objects) != 1 || page.Objects[0].Key != wantKey || page.Objects[0].Size != 3 ||
			len(page.Prefixes) != 1 || page.Prefixes[0] != wantPrefix || page.NextToken != "tok+1/=" {
			t.Errorf("echo %v: page %+v, want key %q prefix %q", echo, page, wantKey, wantPrefix)
		}
		q := srv.last(t).query
		for _, want := range []string{"encoding-type=url", "max-keys=2", "delimiter=%2F", "continuation-token=t0"} {
			if !strings.Contains(q, want) {
				t.Errorf("query %q lacks %s", q, want)
			}
		}
	}
}

// TestS3ListTruncatedWithoutToken: a page that says it is truncated but
// gives no continuation token is an error (no storage class: EIO, not
// retried), not an empty NextToken that would end the listing early.
func TestS3ListTruncatedWithoutToken(t *testing.T) {
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<ListBucketResult><IsTruncated>true</IsTruncated>`+
			`<Contents><Key>a</Key><Size>1</Size><ETag>"e"</ETag></Contents></ListBucketResult>`)
	})
	s := newTestS3(t, srv.URL, 5*time.Second)
	page, err := s.List(t.Context(), ListRequest{Bucket: "bkt", MaxKeys: 1})
	var e *Error
	if !errors.As(err, &e) || e.Op != OpList || e.Kind != nil || !strings.Contains(err.Error(), "without a continuation token") {
		t.Fatalf("List: %+v, %v; want an OpList *Error naming the missing token", page, err)
	}
}

func TestS3CompleteSortsParts(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	info, err := s.CompleteMultipart(t.Context(), CompleteMultipartRequest{Bucket: "bkt", Key: "k", UploadID: "u1",
		IfNoneMatch: true, Parts: []Part{{Number: 2, ETag: `"b"`}, {Number: 1, ETag: `"a"`}}})
	if err != nil || info.ETag != `"done-2"` {
		t.Fatalf("CompleteMultipart: %+v, %v", info, err)
	}
	req := srv.last(t)
	body := string(req.body)
	if i, j := strings.Index(body, "<PartNumber>1<"), strings.Index(body, "<PartNumber>2<"); i < 0 || j < i {
		t.Errorf("parts not sorted in %s", body)
	}
	if req.header.Get("If-None-Match") != "*" {
		t.Errorf("If-None-Match %q", req.header.Get("If-None-Match"))
	}
}

func TestS3Complete200WithError(t *testing.T) {
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>try again</Message></Error>`)
	})
	s := newTestS3(t, srv.URL, 5*time.Second)
	_, err := s.CompleteMultipart(t.Context(), CompleteMultipartRequest{Bucket: "bkt", Key: "k", UploadID: "u",
		Parts: []Part{{Number: 1, ETag: `"a"`}}})
	checkClass(t, "200 carrying an error", err, ErrTransient)
}

func TestS3PutShortBodyNotSent(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	_, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: strings.NewReader("abc"), Size: 10})
	checkClass(t, "short body", err, ErrInvalidArgument)
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent for a short body", n)
	}
}

// TestS3SlowUploadProgresses: a Put that takes several RequestTimeouts in
// all succeeds, because bytes keep moving.
func TestS3SlowUploadProgresses(t *testing.T) {
	// At 1 MiB per 150ms the upload takes 2.4s: more than 2 RequestTimeouts.
	const size = 16 << 20
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {}) // records (reads) the body
	srv.Config.Handler = slowReader(srv.Config.Handler, 1<<20, 150*time.Millisecond)
	s := newTestS3(t, srv.URL, time.Second)
	body := bytes.Repeat([]byte("z"), size)
	start := time.Now()
	if _, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(body), Size: size}); err != nil {
		t.Fatalf("slow Put after %v: %v", time.Since(start), err)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("upload took %v; the server was meant to make it slower than 2 RequestTimeouts", d)
	}
	if got := len(srv.last(t).body); got != size {
		t.Fatalf("server got %d bytes, want %d", got, size)
	}
}

// slowReader delays the request body: chunk bytes per pause.
func slowReader(next http.Handler, chunk int, pause time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = &throttled{r: r.Body, chunk: chunk, pause: pause}
		next.ServeHTTP(w, r)
	})
}

type throttled struct {
	r     io.ReadCloser
	chunk int
	pause time.Duration
	left  int
}

func (t *throttled) Read(p []byte) (int, error) {
	if t.left == 0 {
		time.Sleep(t.pause)
		t.left = t.chunk
	}
	n, err := t.r.Read(p[:min(len(p), t.left)])
	t.left -= n
	return n, err
}

func (t *throttled) Close() error { return t.r.Close() }

// TestS3StalledUpload: a server that stops taking the body fails the Put
// with ErrTransient after about RequestTimeout.
func TestS3StalledUpload(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never reads the body
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s := newTestS3(t, srv.URL, 300*time.Millisecond)
	const size = 64 << 20 // far more than socket buffers hold
	start := time.Now()
	_, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(make([]byte, size)), Size: size})
	checkClass(t, "stalled upload", err, ErrTransient)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stall detected after %v", d)
	}
}
