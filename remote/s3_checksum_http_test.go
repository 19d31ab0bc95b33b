package remote

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantBodyChecksum checks that a write carries its body's checksum in
// header (and no other), signed, with UNSIGNED-PAYLOAD in place of the
// body's SHA-256.
func wantBodyChecksum(t *testing.T, h http.Header, header, want string) {
	t.Helper()
	if got := h.Get(header); got != want {
		t.Errorf("%s %q, want %q", header, got, want)
	}
	for _, other := range []string{"Content-Md5", "X-Amz-Checksum-Crc32c", "X-Amz-Checksum-Crc32"} {
		if other != header && h.Get(other) != "" {
			t.Errorf("%s sent too: %q", other, h.Get(other))
		}
	}
	if got := h.Get("X-Amz-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
		t.Errorf("X-Amz-Content-Sha256 %q, want UNSIGNED-PAYLOAD", got)
	}
	if auth := h.Get("Authorization"); !strings.Contains(auth, strings.ToLower(header)) {
		t.Errorf("%s is not signed: %q", header, auth)
	}
}

// TestS3UploadPartHeaders: a part carries the checksum its upload was
// created with, and only a CRC32C upload declares one.
func TestS3UploadPartHeaders(t *testing.T) {
	srv := newS3Server(t, ok)
	s := newTestS3(t, srv.URL, 5*time.Second)
	body := []byte("one part")
	md5Sum := md5.Sum(body)
	for _, tc := range []struct {
		sum          PartChecksum
		header, want string
		algorithm    string
	}{
		{PartsMD5, "Content-Md5", base64.StdEncoding.EncodeToString(md5Sum[:]), ""},
		{PartsCRC32C, "X-Amz-Checksum-Crc32c", crc32cOf(body), "CRC32C"},
	} {
		if _, err := s.CreateMultipart(t.Context(), CreateMultipartRequest{Bucket: "bkt", Key: "k", Checksum: tc.sum}); err != nil {
			t.Fatalf("CreateMultipart: %v", err)
		}
		if got := srv.last(t).header.Get("X-Amz-Checksum-Algorithm"); got != tc.algorithm {
			t.Errorf("upload declares checksum %q, want %q", got, tc.algorithm)
		}
		_, err := s.UploadPart(t.Context(), UploadPartRequest{Bucket: "bkt", Key: "k", UploadID: "u", Number: 1,
			Body: bytes.NewReader(body), Size: int64(len(body)), Checksum: tc.sum})
		if err != nil {
			t.Fatalf("UploadPart: %v", err)
		}
		req := srv.last(t)
		wantBodyChecksum(t, req.header, tc.header, tc.want)
		if !bytes.Equal(req.body, body) {
			t.Errorf("sent %q", req.body)
		}
	}
}
