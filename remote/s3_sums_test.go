package remote

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests of the switch from CRC32C to Content-MD5 when a server ignores
// flexible checksums (s3_sums.go), against httptest servers playing a
// server that verifies and echoes CRC32C and one that ignores it.

// sumServer answers writes as S3 does: the ETag is the MD5 of the body
// (of corrupt(body), to play a server that stores other bytes), and with
// echo the x-amz-checksum-crc32c sent is checked and echoed.
func sumServer(echo bool, corrupt func([]byte) []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			io.WriteString(w, `<InitiateMultipartUploadResult><UploadId>up1</UploadId></InitiateMultipartUploadResult>`)
			return
		case r.Method == http.MethodPost:
			io.WriteString(w, `<CompleteMultipartUploadResult><ETag>"done-2"</ETag></CompleteMultipartUploadResult>`)
			return
		}
		if corrupt != nil {
			body = corrupt(body)
		}
		sum := md5.Sum(body)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		if sent := r.Header.Get("X-Amz-Checksum-Crc32c"); echo && sent != "" {
			w.Header().Set("X-Amz-Checksum-Crc32c", crc32cOf(body))
		}
	}
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newSumsS3(t *testing.T, endpoint string, mode ChecksumMode) (*S3, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	c, err := NewS3(t.Context(), S3Config{Endpoint: endpoint, Region: "us-east-1", PathStyle: true,
		AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, RequestTimeout: 5 * time.Second,
		Checksum: mode, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return c, logs
}

func putBody(t *testing.T, s *S3, body string) error {
	t.Helper()
	_, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: strings.NewReader(body), Size: int64(len(body))})
	return err
}

// wantMD5Signed checks a write sent as ChecksumMD5 sends it: Content-MD5,
// no flexible checksum, the payload's SHA-256 signed (plain HTTP).
func wantMD5Signed(t *testing.T, req recorded) {
	t.Helper()
	sum := md5.Sum(req.body)
	if got, want := req.header.Get("Content-Md5"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("Content-MD5 %q, want %q", got, want)
	}
	if got := req.header.Get("X-Amz-Checksum-Crc32c"); got != "" {
		t.Errorf("x-amz-checksum-crc32c sent too: %q", got)
	}
	sha := sha256.Sum256(req.body)
	if got := req.header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sha[:]) {
		t.Errorf("X-Amz-Content-Sha256 %q, want the body's SHA-256", got)
	}
}

// TestS3ChecksumIgnoredSwitches: a Put whose answer lacks the CRC32C
// echo succeeds (its ETag is the body's MD5), switches the client to
// Content-MD5 with signed payloads for good, and is logged once.
func TestS3ChecksumIgnoredSwitches(t *testing.T) {
	srv := newS3Server(t, sumServer(false, nil))
	s, logs := newSumsS3(t, srv.URL, "")
	if err := putBody(t, s, "first"); err != nil {
		t.Fatalf("first Put: %v", err)
	}
	wantBodyChecksum(t, srv.last(t).header, "X-Amz-Checksum-Crc32c", crc32cOf([]byte("first")))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := putBody(t, s, strings.Repeat("x", i+1)); err != nil {
				t.Errorf("Put: %v", err)
			}
		})
	}
	wg.Wait()
	wantMD5Signed(t, srv.last(t))
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "ignores x-amz-checksum-crc32c") {
		t.Errorf("warning does not say why:\n%s", logs)
	}
}

// TestS3ChecksumEchoedStays: a server that echoes CRC32C keeps the client
// on CRC32C and unsigned payloads.
func TestS3ChecksumEchoedStays(t *testing.T) {
	srv := newS3Server(t, sumServer(true, nil))
	s, logs := newSumsS3(t, srv.URL, ChecksumAuto)
	for _, body := range []string{"one", "two"} {
		if err := putBody(t, s, body); err != nil {
			t.Fatalf("Put: %v", err)
		}
		wantBodyChecksum(t, srv.last(t).header, "X-Amz-Checksum-Crc32c", crc32cOf([]byte(body)))
	}
	if logs.String() != "" {
		t.Errorf("logged: %s", logs)
	}
}

// TestS3ChecksumWrongEcho: an echo of another CRC32C means the server
// stored other bytes: a transient error, so that the body is resent.
func TestS3ChecksumWrongEcho(t *testing.T) {
	flip := func(b []byte) []byte { return append([]byte{b[0] ^ 1}, b[1:]...) }
	srv := newS3Server(t, sumServer(true, flip))
	s, _ := newSumsS3(t, srv.URL, ChecksumCRC32C)
	err := putBody(t, s, "body")
	if !errors.Is(err, ErrTransient) || !strings.Contains(err.Error(), "server checked CRC32C") {
		t.Fatalf("Put = %v, want ErrTransient naming the CRC32C", err)
	}
}

// TestS3ChecksumIgnoredWrongETag: the write that reveals an ignoring
// server is checked against its ETag; one that is not the body's MD5 is
// a transient error, and its resend carries Content-MD5.
func TestS3ChecksumIgnoredWrongETag(t *testing.T) {
	flip := func(b []byte) []byte { return append([]byte{b[0] ^ 1}, b[1:]...) }
	srv := newS3Server(t, sumServer(false, flip))
	s, _ := newSumsS3(t, srv.URL, ChecksumAuto)
	if err := putBody(t, s, "body"); !errors.Is(err, ErrTransient) || !strings.Contains(err.Error(), "not the body's MD5") {
		t.Fatalf("Put = %v, want ErrTransient for the ETag", err)
	}
	putBody(t, s, "body")
	wantMD5Signed(t, srv.last(t))
}

// TestS3ChecksumSwitchMidUpload: a part of a CRC32C upload answered
// without the echo switches the client; the upload's later parts send
// Content-MD5 (the server ignores the declared algorithm), the completion
// echoes no checksum, and new uploads declare none.
func TestS3ChecksumSwitchMidUpload(t *testing.T) {
	srv := newS3Server(t, sumServer(false, nil))
	s, _ := newSumsS3(t, srv.URL, ChecksumAuto)
	ctx := t.Context()
	if _, err := s.CreateMultipart(ctx, CreateMultipartRequest{Bucket: "bkt", Key: "k", Checksum: PartsCRC32C}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).header.Get("X-Amz-Checksum-Algorithm"); got != "CRC32C" {
		t.Fatalf("first upload declares %q, want CRC32C", got)
	}
	var parts []Part
	for n, body := range []string{"part one", "part two"} {
		p, err := s.UploadPart(ctx, UploadPartRequest{Bucket: "bkt", Key: "k", UploadID: "up1", Number: int32(n + 1),
			Body: strings.NewReader(body), Size: int64(len(body)), Checksum: PartsCRC32C})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n+1, err)
		}
		parts = append(parts, p)
	}
	wantMD5Signed(t, srv.last(t))
	if _, err := s.CompleteMultipart(ctx, CompleteMultipartRequest{Bucket: "bkt", Key: "k", UploadID: "up1", Parts: parts}); err != nil {
		t.Fatal(err)
	}
	if c := srv.last(t).body; bytes.Contains(c, []byte("ChecksumCRC32C")) {
		t.Errorf("completion echoes checksums the server never gave: %s", c)
	}
	if _, err := s.CreateMultipart(ctx, CreateMultipartRequest{Bucket: "bkt", Key: "k2", Checksum: PartsCRC32C}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).header.Get("X-Amz-Checksum-Algorithm"); got != "" {
		t.Errorf("upload after the switch declares %q", got)
	}
}

// TestS3ChecksumModes: crc32c never switches; md5 sends Content-MD5 from
// the start and declares no algorithm.
func TestS3ChecksumModes(t *testing.T) {
	srv := newS3Server(t, sumServer(false, nil))
	s, _ := newSumsS3(t, srv.URL, ChecksumCRC32C)
	for range 2 {
		if err := putBody(t, s, "body"); err != nil {
			t.Fatal(err)
		}
		wantBodyChecksum(t, srv.last(t).header, "X-Amz-Checksum-Crc32c", crc32cOf([]byte("body")))
	}
	s, _ = newSumsS3(t, srv.URL, ChecksumMD5)
	if err := putBody(t, s, "body"); err != nil {
		t.Fatal(err)
	}
	wantMD5Signed(t, srv.last(t))
	if _, err := s.CreateMultipart(t.Context(), CreateMultipartRequest{Bucket: "bkt", Key: "k", Checksum: PartsCRC32C}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).header.Get("X-Amz-Checksum-Algorithm"); got != "" {
		t.Errorf("md5 upload declares %q", got)
	}
	if _, err := NewS3(t.Context(), S3Config{Checksum: "sha1"}); err == nil {
		t.Error("NewS3 accepted checksum sha1")
	}
}
