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
	for i, seg := range strings.Split(key, "/") {
		last := i == strings.Count(key, "/")
		if seg == "" && last {
			continue
		}
		if seg == "" {
			return errors.New("key contains \"//\"")
		}
		if err := ValidName(seg); err != nil {
			return fmt.Errorf("key segment %d: %w", i+1, err)
		}
	}
	return errors.New("key is not canonical")
}

// keyOK is the allocation-free form of CheckKey == nil.
func keyOK(key string) bool {
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
