//go:build linux

package integration

import (
	"net/http"
	"slices"
	"strings"
)

// uploadSeen is how one write request proved its body: the checksum
// headers it carried and whether its payload was signed.
type uploadSeen struct {
	Kind      string // "PutObject", "UploadPart" or "CreateMultipartUpload"
	Algorithm string // x-amz-checksum-algorithm (CreateMultipartUpload)
	CRC32C    bool   // x-amz-checksum-crc32c sent
	MD5       bool   // Content-MD5 sent
	Signed    bool   // X-Amz-Content-Sha256 is the body's hash, not UNSIGNED-PAYLOAD
}

// StripChecksums makes the proxy drop every x-amz-checksum-* header from
// MinIO's answers, as a server that ignores flexible checksums (Ceph RGW
// before Squid) answers: it never echoes what it did not verify.
func (p *countingProxy) StripChecksums() {
	p.mu.Lock()
	p.strip = true
	p.mu.Unlock()
}

// Uploads returns the writes with bodies since the last Reset, in order.
func (p *countingProxy) Uploads() []uploadSeen {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.uploads)
}

// stripChecksums is the proxy's ModifyResponse.
func (p *countingProxy) stripChecksums(resp *http.Response) error {
	p.mu.Lock()
	strip := p.strip
	p.mu.Unlock()
	if strip {
		for name := range resp.Header {
			if strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") {
				resp.Header.Del(name)
			}
		}
	}
	return nil
}

// recordUpload remembers PutObject, UploadPart (not copies) and
// CreateMultipartUpload requests.
func (p *countingProxy) recordUpload(r *http.Request) {
	q := r.URL.Query()
	var kind string
	switch {
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" && q.Has("uploadId"):
		kind = "UploadPart"
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" && strings.Count(strings.Trim(r.URL.Path, "/"), "/") > 0:
		kind = "PutObject"
	case r.Method == http.MethodPost && q.Has("uploads"):
		kind = "CreateMultipartUpload"
	default:
		return
	}
	u := uploadSeen{Kind: kind, Algorithm: r.Header.Get("X-Amz-Checksum-Algorithm"),
		CRC32C: r.Header.Get("X-Amz-Checksum-Crc32c") != "", MD5: r.Header.Get("Content-Md5") != "",
		Signed: r.Header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD"}
	p.mu.Lock()
	p.uploads = append(p.uploads, u)
	p.mu.Unlock()
}
