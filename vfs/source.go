package vfs

import (
	"fmt"
	"net/netip"
	"strings"
)

const s3Scheme = "s3://"

// Source is what is mounted: one bucket, a prefix of one bucket, or every
// bucket the credentials can list (Bucket == "").
type Source struct {
	Bucket string
	Prefix string // "" or a key prefix ending with "/"
}

// ParseSource parses s3://BUCKET, s3://BUCKET/PREFIX/ or s3://. A prefix
// without its trailing slash gets one (s3://b/data means s3://b/data/).
func ParseSource(s string) (Source, error) {
	rest, ok := strings.CutPrefix(s, s3Scheme)
	if !ok {
		return Source{}, sourceSchemeError(s)
	}
	if rest == "" {
		return Source{}, nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	src := Source{Bucket: bucket, Prefix: prefix}
	if err := src.validate(); err != nil {
		return Source{}, fmt.Errorf("source %q: %w", s, err)
	}
	return src, nil
}

func sourceSchemeError(s string) error {
	if scheme, _, ok := strings.Cut(s, "://"); ok {
		return fmt.Errorf("source %q: unsupported scheme %q: objfs mounts s3://BUCKET, s3://BUCKET/PREFIX/ or s3://", s, scheme)
	}
	return fmt.Errorf("source %q: missing s3:// scheme: write s3://%s", s, strings.TrimPrefix(s, "/"))
}

// String returns the source in the form ParseSource accepts.
func (s Source) String() string {
	if s.Bucket == "" {
		return s3Scheme
	}
	if s.Prefix == "" {
		return s3Scheme + s.Bucket
	}
	return s3Scheme + s.Bucket + "/" + s.Prefix
}

func (s Source) validate() error {
	if s.Bucket == "" {
		if s.Prefix != "" {
			return fmt.Errorf("prefix %q given without a bucket", s.Prefix)
		}
		return nil
	}
	if err := validBucketName(s.Bucket); err != nil {
		return err
	}
	return validPrefix(s.Prefix)
}

// validPrefix accepts "" or segments that are all valid names, ending
// with "/".
func validPrefix(p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasSuffix(p, "/") {
		return fmt.Errorf("prefix %q must end with /", p)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if reason := nameProblem(seg); reason != "" {
			return fmt.Errorf("prefix %q: %s", p, reason)
		}
	}
	return nil
}

// validBucketName applies S3's bucket naming rules: 3 to 63 characters of
// lower-case letters, digits, '.' and '-', starting and ending with a letter
// or digit, no "..", and not an IPv4 address.
func validBucketName(b string) error {
	bad := func(why string) error { return fmt.Errorf("invalid bucket name %q: %s", b, why) }
	if len(b) < 3 || len(b) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("only lower-case letters, digits, '.' and '-' are allowed")
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return bad("must start and end with a letter or digit")
	}
	if strings.Contains(b, "..") {
		return bad(`must not contain ".."`)
	}
	if addr, err := netip.ParseAddr(b); err == nil && addr.Is4() {
		return bad("must not look like an IP address")
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
