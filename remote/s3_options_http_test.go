package remote

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests of the S3Config options that add headers (SSE, SSE-C, storage
// class, requester pays) or change how requests are sent (anonymous, CA
// bundle), against the recording test server.

// optionsOK answers every operation the client sends with success.
func optionsOK(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPut && r.Header.Get("x-amz-copy-source") != "" && strings.Contains(r.URL.RawQuery, "partNumber"):
		w.Header().Set("ETag", `"etag"`)
		io.WriteString(w, `<CopyPartResult><ETag>"part"</ETag></CopyPartResult>`)
	case r.Method == http.MethodPost && strings.Contains(r.URL.RawQuery, "uploads"):
		io.WriteString(w, `<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodHead:
		w.Header().Set("ETag", `"etag"`)
		w.Header().Set("Content-Length", "4")
	default:
		ok(w, r)
	}
}

// runEveryOp sends one of each object operation and returns the
// requests, named by the SDK's operation names.
func runEveryOp(t *testing.T, cfg S3Config) map[string]recorded {
	t.Helper()
	srv := newS3Server(t, optionsOK)
	cfg.Endpoint, cfg.Region, cfg.PathStyle, cfg.RequestTimeout = srv.URL, "us-east-1", true, 5*time.Second
	if !cfg.Anonymous {
		cfg.AccessKeyID, cfg.SecretAccessKey = testAccessKey, testSecretKey
	}
	s, err := NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	ctx := t.Context()
	got := map[string]recorded{}
	step := func(op string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		got[op] = srv.last(t)
	}
	body := []byte("data")
	_, err = s.Put(ctx, PutRequest{Bucket: "bkt", Key: "k", Body: bytes.NewReader(body), Size: 4})
	step(opPutObject, err)
	_, err = s.Head(ctx, "bkt", "k")
	step(opHeadObject, err)
	rc, err := s.Get(ctx, GetRequest{Bucket: "bkt", Key: "k", Length: -1})
	if err == nil {
		rc.Close()
	}
	step(opGetObject, err)
	_, err = s.Copy(ctx, CopyRequest{SrcBucket: "bkt", SrcKey: "k", DstBucket: "bkt", DstKey: "k2"})
	step(opCopyObject, err)
	id, err := s.CreateMultipart(ctx, CreateMultipartRequest{Bucket: "bkt", Key: "big"})
	step(opCreateMPU, err)
	_, err = s.UploadPart(ctx, UploadPartRequest{Bucket: "bkt", Key: "big", UploadID: id, Number: 1,
		Body: bytes.NewReader(body), Size: 4})
	step(opUploadPart, err)
	_, err = s.UploadPartCopy(ctx, UploadPartCopyRequest{Bucket: "bkt", Key: "big", UploadID: id, Number: 2,
		SrcBucket: "bkt", SrcKey: "k", Offset: 0, Length: 4})
	step(opUploadPartCopy, err)
	_, err = s.CompleteMultipart(ctx, CompleteMultipartRequest{Bucket: "bkt", Key: "big", UploadID: id,
		Parts: []Part{{Number: 1, ETag: `"a"`}, {Number: 2, ETag: `"b"`}}})
	step(opCompleteMPU, err)
	err = s.Delete(ctx, "bkt", "k2")
	step("DeleteObject", err)
	_, err = s.List(ctx, ListRequest{Bucket: "bkt"})
	step("ListObjectsV2", err)
	return got
}

// wantHeader checks that exactly the operations in on carry name: value,
// signed unless the request is anonymous.
func wantHeader(t *testing.T, reqs map[string]recorded, name, value string, on ...string) {
	t.Helper()
	for op, req := range reqs {
		want := ""
		for _, o := range on {
			if o == op {
				want = value
			}
		}
		if got := req.header.Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", op, name, got, want)
		}
		if auth := req.header.Get("Authorization"); want != "" && auth != "" && !strings.Contains(auth, strings.ToLower(name)) {
			t.Errorf("%s: %s not signed: %q", op, name, auth)
		}
	}
}

var (
	madeOps  = []string{opPutObject, opCreateMPU, opCopyObject}
	sseCOps  = []string{opPutObject, opCreateMPU, opUploadPart, opUploadPartCopy, opCompleteMPU, opCopyObject, opGetObject, opHeadObject}
	allOps   = []string{opPutObject, opCreateMPU, opUploadPart, opUploadPartCopy, opCompleteMPU, opCopyObject, opGetObject, opHeadObject, "DeleteObject", "ListObjectsV2"}
	copyOps  = []string{opUploadPartCopy, opCopyObject}
	testSSEC = SSECKey(bytes.Repeat([]byte{0x5a}, SSECKeySize))
)

func TestS3NoOptionHeaders(t *testing.T) {
	reqs := runEveryOp(t, S3Config{})
	for _, h := range []string{"X-Amz-Server-Side-Encryption", "X-Amz-Storage-Class", "X-Amz-Request-Payer",
		"X-Amz-Server-Side-Encryption-Customer-Key", "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key"} {
		wantHeader(t, reqs, h, "")
	}
}

func TestS3SSEKMSHeaders(t *testing.T) {
	reqs := runEveryOp(t, S3Config{SSE: SSEKMS, SSEKMSKeyID: "arn:aws:kms:us-east-1:1:key/k1"})
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption", "aws:kms", madeOps...)
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "arn:aws:kms:us-east-1:1:key/k1", madeOps...)
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption-Customer-Key", "")
}

func TestS3SSES3Headers(t *testing.T) {
	reqs := runEveryOp(t, S3Config{SSE: SSES3})
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption", "AES256", madeOps...)
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "")
}

// TestS3SSECHeaders: the key goes with every request that reads or
// writes an object (GET and HEAD included), and as the copy source's key
// with server-side copies; base64, with its MD5.
func TestS3SSECHeaders(t *testing.T) {
	reqs := runEveryOp(t, S3Config{SSECustomerKey: testSSEC})
	key := base64.StdEncoding.EncodeToString(testSSEC)
	sum := md5.Sum(testSSEC)
	keyMD5 := base64.StdEncoding.EncodeToString(sum[:])
	for _, prefix := range []string{"X-Amz-", "X-Amz-Copy-Source-"} {
		ops := sseCOps
		if prefix != "X-Amz-" {
			ops = copyOps
		}
		wantHeader(t, reqs, prefix+"Server-Side-Encryption-Customer-Algorithm", "AES256", ops...)
		wantHeader(t, reqs, prefix+"Server-Side-Encryption-Customer-Key", key, ops...)
		wantHeader(t, reqs, prefix+"Server-Side-Encryption-Customer-Key-Md5", keyMD5, ops...)
	}
	wantHeader(t, reqs, "X-Amz-Server-Side-Encryption", "")
}

func TestS3StorageClassHeader(t *testing.T) {
	reqs := runEveryOp(t, S3Config{StorageClass: "REDUCED_REDUNDANCY"})
	wantHeader(t, reqs, "X-Amz-Storage-Class", "REDUCED_REDUNDANCY", madeOps...)
}

func TestS3RequesterPaysHeader(t *testing.T) {
	reqs := runEveryOp(t, S3Config{RequesterPays: true})
	wantHeader(t, reqs, "X-Amz-Request-Payer", "requester", allOps...)
}

// TestS3AnonymousUnsigned: anonymous requests carry no signature at all.
func TestS3AnonymousUnsigned(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey) // not picked up from the chain
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	for op, req := range runEveryOp(t, S3Config{Anonymous: true}) {
		for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
			if v := req.header.Get(h); v != "" {
				t.Errorf("anonymous %s sent %s: %q", op, h, v)
			}
		}
	}
}

func TestS3OptionsValidate(t *testing.T) {
	for _, c := range []S3Config{
		{SSE: "aes256"},
		{SSEKMSKeyID: "k"},
		{SSE: SSES3, SSEKMSKeyID: "k"},
		{SSECustomerKey: SSECKey("short")},
		{SSE: SSEKMS, SSECustomerKey: testSSEC},
		{Anonymous: true, AccessKeyID: "a", SecretAccessKey: "b"},
		{Anonymous: true, Profile: "p"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: valid, want an error", c)
		} else if strings.Contains(err.Error(), "ZZZZ") {
			t.Errorf("error shows the key: %v", err)
		}
	}
	for _, c := range []S3Config{{SSE: SSEKMS}, {SSE: SSEKMS, SSEKMSKeyID: "k"}, {SSE: SSES3}, {SSECustomerKey: testSSEC}, {Anonymous: true}} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestSSECKeyNotPrinted: formatting a config never shows the key.
func TestSSECKeyNotPrinted(t *testing.T) {
	c := S3Config{SSECustomerKey: testSSEC}
	for _, s := range []string{fmtAll(c), fmtAll(c.SSECustomerKey)} {
		if strings.Contains(s, "ZZZZ") || strings.Contains(s, "90 90") || strings.Contains(s, "5a5a") {
			t.Errorf("key shown: %s", s)
		}
	}
}

func TestETagsAreMD5(t *testing.T) {
	for _, tc := range []struct {
		c    S3Config
		want bool
	}{{S3Config{}, true}, {S3Config{SSE: SSES3}, true}, {S3Config{SSE: SSEKMS}, false}, {S3Config{SSECustomerKey: testSSEC}, false}} {
		if got := tc.c.ETagsAreMD5(); got != tc.want {
			t.Errorf("%+v: ETagsAreMD5 %v, want %v", tc.c, got, tc.want)
		}
	}
}

// TestS3CABundle: an HTTPS endpoint with a certificate no system root
// signs is refused, and accepted with its certificate as the CA bundle.
func TestS3CABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(optionsOK))
	t.Cleanup(srv.Close)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ca := range []string{"", bundle} {
		s, err := NewS3(t.Context(), S3Config{Endpoint: srv.URL, Region: "us-east-1", PathStyle: true,
			AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, RequestTimeout: 5 * time.Second, CABundle: ca})
		if err != nil {
			t.Fatalf("NewS3 (CA bundle %q): %v", ca, err)
		}
		_, err = s.Head(t.Context(), "bkt", "k")
		if ca == "" && err == nil {
			t.Error("self-signed endpoint accepted without a CA bundle")
		}
		if ca != "" && err != nil {
			t.Errorf("with the CA bundle: %v", err)
		}
	}
	if _, err := NewS3(t.Context(), S3Config{CABundle: filepath.Join(t.TempDir(), "missing.pem")}); err == nil {
		t.Error("a missing CA bundle file is accepted")
	}
}

func fmtAll(v any) string {
	var b strings.Builder
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		b.WriteString(fmt.Sprintf(f, v))
	}
	return b.String()
}
