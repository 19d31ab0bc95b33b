package remote

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// Writes sign UNSIGNED-PAYLOAD, so nothing but the body's checksum header
// (CRC32C or Content-MD5) protects it. These tests corrupt bodies on their
// way to MinIO and check that each kind of write is refused, transiently,
// so that WithRetry resends the intact body.

// corruptingProxy forwards requests to MinIO unchanged (Host included, so
// signatures hold) except that it flips one byte in the body of the next
// corrupt PUTs (PutObject, UploadPart).
type corruptingProxy struct {
	url string

	mu      sync.Mutex // guards the fields below
	corrupt int
	hashes  []string // X-Amz-Content-Sha256 of each PUT with a body
}

func startCorruptingProxy(t *testing.T, target string) *corruptingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &corruptingProxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host
		if r.In.Method == http.MethodPut && r.In.ContentLength > 0 && p.take(r.In.Header.Get("X-Amz-Content-Sha256")) {
			r.Out.Body = &flipByte{r: r.In.Body, at: r.In.ContentLength / 2}
		}
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.url = "http://" + l.Addr().String()
	return p
}

// take records a PUT with a body and reports whether to corrupt it.
func (p *corruptingProxy) take(hash string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hashes = append(p.hashes, hash)
	if p.corrupt == 0 {
		return false
	}
	p.corrupt--
	return true
}

func (p *corruptingProxy) corruptNext(n int) {
	p.mu.Lock()
	p.corrupt = n
	p.hashes = nil
	p.mu.Unlock()
}

// signedPayloads returns how many bodies since corruptNext were signed.
func (p *corruptingProxy) signedPayloads() (signed, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.hashes {
		if h != "UNSIGNED-PAYLOAD" {
			signed++
		}
	}
	return signed, len(p.hashes)
}

// flipByte passes r through with the byte at offset at inverted.
type flipByte struct {
	r   io.ReadCloser
	at  int64
	pos int64
}

func (f *flipByte) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if i := f.at - f.pos; i >= 0 && i < int64(n) {
		b[i] ^= 0xff
	}
	f.pos += int64(n)
	return n, err
}

func (f *flipByte) Close() error { return f.r.Close() }

func TestMinIORejectsCorruptedBodies(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	proxy := startCorruptingProxy(t, srv.Endpoint)
	s, err := NewS3(t.Context(), S3Config{Endpoint: proxy.url, Region: srv.Region, PathStyle: true,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	retried := WithRetry(s, RetryConfig{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	body := bytes.Repeat([]byte("integrity "), MinPartSize/10+1)

	for _, tc := range []struct {
		name, key, code string
		write           func(c Client) error
	}{
		{"Put", "put", "XAmzContentChecksumMismatch", func(c Client) error {
			_, err := c.Put(t.Context(), PutRequest{Bucket: bucket, Key: "put", Body: bytes.NewReader(body), Size: int64(len(body))})
			return err
		}},
		{"PartCRC32C", "crc", "XAmzContentChecksumMismatch", uploadOnePart(t, s, bucket, "crc", PartsCRC32C, body)},
		{"PartMD5", "md5", "BadDigest", uploadOnePart(t, s, bucket, "md5", PartsMD5, body)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy.corruptNext(1)
			err := tc.write(s)
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || !errors.Is(err, ErrTransient) {
				t.Fatalf("corrupted body: %v, want %s, transient", err, tc.code)
			}
			if _, err := s.Head(t.Context(), bucket, tc.key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Head after the refused write: %v, want not found", err)
			}
			proxy.corruptNext(1)
			if err := tc.write(retried); err != nil {
				t.Fatalf("with retries: %v", err)
			}
			if signed, total := proxy.signedPayloads(); signed != 0 || total != 2 {
				t.Errorf("%d of %d bodies had a signed SHA-256, want 0 of 2 (UNSIGNED-PAYLOAD)", signed, total)
			}
		})
	}
	got := getAll(t, s, bucket, "put")
	if !bytes.Equal(got, body) {
		t.Fatalf("stored object differs from the body sent (%d bytes, want %d)", len(got), len(body))
	}
}

// uploadOnePart returns a write that uploads body as the one part of a new
// multipart upload of key with checksum kind sum, and completes it.
func uploadOnePart(t *testing.T, s *S3, bucket, key string, sum PartChecksum, body []byte) func(Client) error {
	return func(c Client) error {
		id, err := s.CreateMultipart(t.Context(), CreateMultipartRequest{Bucket: bucket, Key: key, Checksum: sum})
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.UploadPart(t.Context(), UploadPartRequest{Bucket: bucket, Key: key, UploadID: id, Number: 1,
			Body: bytes.NewReader(body), Size: int64(len(body)), Checksum: sum})
		if err != nil {
			s.AbortMultipart(t.Context(), bucket, key, id)
			return err
		}
		if _, err := s.CompleteMultipart(t.Context(), CompleteMultipartRequest{Bucket: bucket, Key: key, UploadID: id, Parts: []Part{p}}); err != nil {
			t.Fatal(err)
		}
		if got := getAll(t, s, bucket, key); !bytes.Equal(got, body) {
			t.Fatalf("%s: stored object differs from the body sent", key)
		}
		return nil
	}
}

func getAll(t *testing.T, s *S3, bucket, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), GetRequest{Bucket: bucket, Key: key, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
