package acl

import (
	"errors"
	"fmt"
	"strings"
)

// MaxNameLen is the longest path segment, in bytes, that objfs presents as a
// file name (NAME_MAX on Linux and macOS).
const MaxNameLen = 255

// ValidName reports why name cannot be a single path segment (a connector
// label, a directory entry), or nil when it can: not empty, not "." or "..",
// no "/", no NUL, at most MaxNameLen bytes.
func ValidName(name string) error {
	switch {
	case name == "":
		return errors.New("name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("name %q is a relative path element", name)
	case strings.IndexByte(name, '/') >= 0:
		return fmt.Errorf("name %q contains \"/\"", name)
	case strings.IndexByte(name, 0) >= 0:
		return errors.New("name contains a NUL byte")
	case len(name) > MaxNameLen:
		return fmt.Errorf("name is %d bytes, longer than %d", len(name), MaxNameLen)
	}
	return nil
}

// nameOK is the allocation-free form of ValidName == nil, for hot paths.
func nameOK(name string) bool {
	return name != "" && name != "." && name != ".." && len(name) <= MaxNameLen &&
		strings.IndexByte(name, '/') < 0 && strings.IndexByte(name, 0) < 0
}

// CheckKey reports why key is not canonical, or nil when it is. A canonical
// key is "" (a bucket's root) or "/"-separated segments that are each a
// ValidName, where the last segment may be empty: keys that end in "/" name
// directories. So no leading "/", no "//", no "." or ".." segment.
//
// Percent-escapes are not decoded for matching, but a key is canonical only
// if every repeated percent-decoding of it is canonical too ("out/%2E%2E/x"
// is not), so that no tool or proxy that decodes keys can turn an allowed
// key into one that climbs out of its pattern.
//
// objfs builds keys from names the kernel has already resolved, so a
// non-canonical key never comes from a legitimate path; the matcher treats
// one as matching nothing instead of cleaning it (cleaning "out/../secret"
// into "secret" is how a denied object would become reachable).
func CheckKey(key string) error {
	if keyOK(key) {
		return nil
	}
	if strings.HasPrefix(key, "/") {
		return errors.New("key starts with \"/\"")
	}
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		if seg == "" && i == len(segs)-1 {
			continue
		}
		if seg == "" {
			return errors.New("key contains \"//\"")
		}
		if err := ValidName(seg); err != nil {
			return fmt.Errorf("key segment %d: %w", i+1, err)
		}
	}
	return errors.New("key percent-decodes to a non-canonical key (\"..\", \".\", \"//\" or NUL)")
}

// keyOK is the fast form of CheckKey == nil: the key's segments are
// canonical, and so are those of every repeated percent-decoding of it.
//
// Checking the key and its fully decoded form is enough: decoding never
// touches '/', '.' or NUL bytes, so a ".", ".." or empty segment or a NUL,
// once present, survives every later round; and segments only get shorter,
// so the length limit holds for every round if it holds for the key.
func keyOK(key string) bool {
	if !segmentsOK(key) {
		return false
	}
	if strings.IndexByte(key, '%') < 0 {
		return true
	}
	return segmentsOK(fullyDecode(key))
}

// segmentsOK reports whether key is "" or "/"-separated valid names, the
// last of which may be empty (a directory key).
func segmentsOK(key string) bool {
	for key != "" {
		i := strings.IndexByte(key, '/')
		if i < 0 {
			return nameOK(key)
		}
		if !nameOK(key[:i]) {
			return false
		}
		key = key[i+1:]
	}
	return true
}

// fullyDecode decodes "%XX" escapes (two hex digits) until none is left,
// in one pass: each byte is pushed onto the output, and whenever the output
// then ends in an escape, that escape is replaced by its byte (which may
// complete another escape). Other '%' bytes stay as they are.
func fullyDecode(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		for n := len(out); n >= 3 && out[n-3] == '%' && isHex(out[n-2]) && isHex(out[n-1]); n = len(out) {
			out = append(out[:n-3], unhex(out[n-2])<<4|unhex(out[n-1]))
		}
	}
	return string(out)
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// isDirKey reports whether a canonical key names a directory: the bucket
// root "" or a key ending in "/".
func isDirKey(key string) bool {
	return key == "" || strings.HasSuffix(key, "/")
}

// parentDir returns the directory key that holds key ("" for a top-level
// key). ok is false for the bucket root, whose parent is the connector root.
func parentDir(key string) (dir string, ok bool) {
	if key == "" {
		return "", false
	}
	k := strings.TrimSuffix(key, "/")
	i := strings.LastIndexByte(k, '/')
	return k[:i+1], true
}

// CheckBucket reports why bucket is not a usable bucket name, or nil:
// 1 to 255 bytes of letters, digits, '.', '-' and '_' (S3's rules plus the
// legacy us-east-1 ones), and not "." or "..".
func CheckBucket(bucket string) error {
	if bucketOK(bucket) {
		return nil
	}
	if bucket == "" {
		return errors.New("bucket name is empty")
	}
	if len(bucket) > MaxNameLen {
		return fmt.Errorf("bucket name is %d bytes, longer than %d", len(bucket), MaxNameLen)
	}
	return fmt.Errorf("bucket name %q: want letters, digits, '.', '-' or '_'", bucket)
}

func bucketOK(bucket string) bool {
	if bucket == "" || bucket == "." || bucket == ".." || len(bucket) > MaxNameLen {
		return false
	}
	return bucketCharsOK(bucket)
}

// bucketCharsOK reports whether s holds only bucket-name characters.
func bucketCharsOK(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
