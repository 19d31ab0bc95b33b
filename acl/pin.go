package acl

import "strings"

// Pinned objects. An exact pattern "bucket/key@VERSIONID" names one
// version of one object: the filesystem shows and reads that version
// (remote.Restrict sends its reads with the version id), whatever is
// written to the key later, and every change of the key is refused
// (EROFS), in a readwrite connector too.
//
// Keys may hold "@" themselves ("user@example.com"), so an "@" starts a
// version only when what follows the last one looks like a version id
// and nothing else: "null" (the version of an object written while
// versioning was off), or 16 to 1024 characters of letters, digits and
// "._-+=" (AWS ids are 32 such characters, MinIO's are UUIDs), and the
// pattern is exact (no "*", not a directory). "b/user@example.com",
// "b/logs@2024-01-01.txt" and "b/a@b/c" stay plain exact patterns; a key
// that really ends in "@" and a 16-character run of that alphabet can
// only be reached by a prefix pattern ("b/key@0123456789abcdef*").

// minVersionLen and maxVersionLen bound what splitPin takes as a version
// id.
const (
	minVersionLen = 16
	maxVersionLen = 1024
)

// splitPin splits an exact pattern's key part at its last "@" when what
// follows is a version id (see above); otherwise version is "".
func splitPin(rest string) (key, version string) {
	i := strings.LastIndexByte(rest, '@')
	if i <= 0 || !looksLikeVersion(rest[i+1:]) || strings.HasSuffix(rest[:i], "/") {
		return rest, ""
	}
	return rest[:i], rest[i+1:]
}

// looksLikeVersion reports whether s can be read as a version id.
func looksLikeVersion(s string) bool {
	if s == "null" {
		return true
	}
	if len(s) < minVersionLen || len(s) > maxVersionLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-+=", c) >= 0) {
			return false
		}
	}
	return true
}

// Version returns the version an exact pattern pins its key to, "" when
// it pins none.
func (p Pattern) Version() string { return p.version }

// Pin is one pinned object of a connector.
type Pin struct {
	Bucket, Key, Version string
	Rule                 string // the pattern that pins it, for messages
}

// pinIndex returns the first pattern that pins (bucket, key).
func (c *Connector) pinIndex(bucket, key string) (int, bool) {
	for i := range c.Paths {
		p := &c.Paths[i]
		if p.version != "" && p.kind == kindExact && p.bucket == bucket && p.key == key {
			return i, true
		}
	}
	return 0, false
}

// pinBelow returns the first pattern that pins a key below directory
// key dir ("" or ending in "/") of bucket; ok is false for a file key.
func (c *Connector) pinBelow(bucket, dir string) (int, bool) {
	if !isDirKey(dir) {
		return 0, false
	}
	for i := range c.Paths {
		p := &c.Paths[i]
		if p.version != "" && p.kind == kindExact && p.bucket == bucket && strings.HasPrefix(p.key, dir) {
			return i, true
		}
	}
	return 0, false
}

// PinnedVersion returns the version a pattern pins (bucket, key) to; ok
// is false for a key no pattern pins. When several pin it, the first
// wins (Load refuses two different versions of one key).
func (c *Connector) PinnedVersion(bucket, key string) (version string, ok bool) {
	if i, ok := c.pinIndex(bucket, key); ok {
		return c.Paths[i].version, true
	}
	return "", false
}

// HasPins reports whether any pattern pins a version.
func (c *Connector) HasPins() bool {
	for i := range c.Paths {
		if c.Paths[i].version != "" {
			return true
		}
	}
	return false
}

// Pins lists the pinned objects, in the order of the patterns.
func (c *Connector) Pins() []Pin {
	var out []Pin
	for i, p := range c.Paths {
		if p.version != "" {
			out = append(out, Pin{Bucket: p.bucket, Key: p.key, Version: p.version, Rule: c.ruleAt(i)})
		}
	}
	return out
}

// PinsIn lists the pinned objects directly in directory dir ("" or
// ending in "/") of bucket, by key.
func (c *Connector) PinsIn(bucket, dir string) []Pin {
	var out []Pin
	for _, p := range c.Pins() {
		if p.Bucket == bucket && strings.HasPrefix(p.Key, dir) && !strings.Contains(p.Key[len(dir):], "/") {
			out = append(out, p)
		}
	}
	return out
}

// pinConflicts returns, for each pattern that pins a key an earlier one
// pinned to another version, its index and the earlier version.
func (c *Connector) pinConflicts() (idx []int, earlier []string) {
	first := make(map[string]string)
	for i, p := range c.Paths {
		if p.version == "" {
			continue
		}
		k := p.bucket + "/" + p.key
		if v, seen := first[k]; seen && v != p.version {
			idx, earlier = append(idx, i), append(earlier, v)
			continue
		}
		first[k] = p.version
	}
	return idx, earlier
}
