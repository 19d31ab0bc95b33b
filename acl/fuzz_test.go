package acl

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzMatcher drives the matcher with arbitrary patterns and paths. It
// checks that nothing panics; that Allows agrees with a reference written
// from the spec's table over raw pattern strings; the structural invariants
// fs relies on; and that a denied path is never allowed after adding "..",
// "//", "./", a leading or trailing "/", or percent-encoding.
//
// Run long with: go test -fuzz=FuzzMatcher -fuzztime=60s ./acl/
func FuzzMatcher(f *testing.F) {
	seeds := []struct{ pats, bucket, key string }{
		{"data/out/*", "data", "out/x.csv"},
		{"data/out/*", "data", "secret"},
		{"data/out/*", "data", "out"},
		{"data/out/", "data", "out/../secret"},
		{"models/team.jpg", "models", "team.jpg"},
		{"models/team.jpg", "models", "team.jpg/"},
		{"data/raw*\ndata/x/y/z", "data", "raw/../../etc"},
		{"buck*", "bucket-other", "k"},
		{"*", "b", "a//b"},
		{"b/100%", "b", "100%"},
		{"b/a%", "b", "a"},
		{"b/.hid*", "b", ".hidden/x"},
		{"b/dir/", "b", "dir"},
		{"", "b", "x/y/"},
		{"b\nc/d/e/", "c", "d/"},
		{"data/out/", "data", "out/%2E%2E/secret"},
		{"data/out/", "data", "out/%252E%252E/x"},
		{"*", "b", "a%2F%2Fb"},
		{"*", "b", "100%25/x%zz"},
	}
	for _, s := range seeds {
		f.Add(s.pats, s.bucket, s.key)
	}
	f.Fuzz(func(t *testing.T, pats, bucket, key string) {
		if len(pats) > 300 || len(key) > 160 || len(bucket) > 70 {
			return
		}
		raws := fuzzPatterns(pats)
		for _, access := range []Access{Read, ReadWrite} {
			c := newConn(t, "c", access, raws...)
			checkReference(t, c, raws, bucket, key)
			checkInvariants(t, c, bucket, key)
			checkVariants(t, c, raws, bucket, key)
		}
	})
}

// fuzzPatterns keeps the lines of s that parse as patterns (at most 4).
func fuzzPatterns(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if _, err := ParsePattern(line); err == nil && len(out) < 4 {
			out = append(out, line)
		}
	}
	return out
}

// refCanonical is canonical form defined through path.Clean, independently
// of keyOK: cleaning must not change the key, every segment must be a
// usable file name, and the same must hold after each percent-decoding.
func refCanonical(bucket, key string) bool {
	if CheckBucket(bucket) != nil {
		return false
	}
	for {
		if !refCleanKey(key) {
			return false
		}
		dec := escapeRE.ReplaceAllStringFunc(key, func(e string) string {
			v, _ := strconv.ParseUint(e[1:], 16, 8)
			return string([]byte{byte(v)})
		})
		if dec == key {
			return true
		}
		key = dec
	}
}

var escapeRE = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

func refCleanKey(key string) bool {
	if strings.ContainsRune(key, 0) {
		return false
	}
	if key == "" {
		return true
	}
	body := strings.TrimSuffix(key, "/")
	if body == "" || path.Clean("/"+body) != "/"+body {
		return false
	}
	for _, seg := range strings.Split(body, "/") {
		if len(seg) > MaxNameLen {
			return false
		}
	}
	return true
}

// refMatch is the spec's pattern table applied to the raw pattern string.
func refMatch(raw, bucket, key string) bool {
	if raw == "*" {
		return true
	}
	b, rest, hasSlash := strings.Cut(raw, "/")
	if !hasSlash {
		if pre, ok := strings.CutSuffix(b, "*"); ok {
			return strings.HasPrefix(bucket, pre)
		}
		return bucket == b
	}
	if bucket != b {
		return false
	}
	if pre, ok := strings.CutSuffix(rest, "*"); ok {
		return strings.HasPrefix(key, pre)
	}
	if rest == "" || strings.HasSuffix(rest, "/") {
		return strings.HasPrefix(key, rest)
	}
	if i := strings.LastIndex(rest, "@"); i > 0 && !strings.HasSuffix(rest[:i], "/") && len(rest)-i-1 <= 1024 && refVersion.MatchString(rest[i+1:]) {
		rest = rest[:i] // an exact pattern pinned to a version names its key
	}
	return key == rest
}

// refVersion is what the spec (README, Connectors) takes as a version id
// after an exact pattern's last "@" (at most 1024 bytes).
var refVersion = regexp.MustCompile(`^(null|[A-Za-z0-9._+=-]{16,})$`)

func refAllows(raws []string, bucket, key string) bool {
	if !refCanonical(bucket, key) {
		return false
	}
	if len(raws) == 0 {
		return true
	}
	for _, r := range raws {
		if refMatch(r, bucket, key) {
			return true
		}
	}
	return false
}

func checkReference(t *testing.T, c *Connector, raws []string, bucket, key string) {
	if got, want := c.Allows(bucket, key), refAllows(raws, bucket, key); got != want {
		t.Fatalf("patterns %q: Allows(%q, %q) = %v; reference says %v", raws, bucket, key, got, want)
	}
	if got := CheckKey(key) == nil && CheckBucket(bucket) == nil; got != refCanonical(bucket, key) {
		t.Fatalf("canonical(%q, %q) = %v; reference says %v", bucket, key, got, !got)
	}
}

// checkInvariants: what fs relies on when it decides for a directory once.
func checkInvariants(t *testing.T, c *Connector, bucket, key string) {
	for _, op := range []Op{OpRead, OpList, OpStat, OpWrite, OpDelete, OpRename} {
		d := c.Decide(op, bucket, key)
		if d.Allowed() != (d.Denial == 0) || d.Rule == "" {
			t.Fatalf("Decide(%v, %q, %q) = %+v: inconsistent", op, bucket, key, d)
		}
		visible := c.Allows(bucket, key) || c.DirVisible(bucket, key)
		want := visible && !op.mutates() || c.Allows(bucket, key) && op.mutates() && c.Access == ReadWrite
		if op.mutates() && c.HasPins() {
			// Pins refuse changes the patterns alone would allow (a
			// pinned key, a directory holding one: pin.go), never the
			// reverse.
			if _, pinned := c.PinnedVersion(bucket, key); d.Allowed() && (!want || pinned) {
				t.Fatalf("paths %v %v: Decide(%v, %q, %q) = %v; a pin or the patterns refuse it", c.Paths, c.Access, op, bucket, key, d)
			}
			continue
		}
		if d.Allowed() != want {
			t.Fatalf("paths %v %v: Decide(%v, %q, %q) = %v; want allowed=%v", c.Paths, c.Access, op, bucket, key, d, want)
		}
	}
	if !isDirKey(key) || !keyOK(key) {
		return
	}
	if c.Allows(bucket, key) {
		for _, child := range []string{"x", ".h", "a b/c", "x/"} {
			if !c.Allows(bucket, key+child) || !c.DirVisible(bucket, key+"d/") {
				t.Fatalf("paths %v: Allows(%q) but not below it (%q)", c.Paths, key, key+child)
			}
		}
	}
	if dir, ok := parentDir(key); ok && c.DirVisible(bucket, key) && !c.DirVisible(bucket, dir) {
		t.Fatalf("paths %v: %q visible but its parent %q is not", c.Paths, key, dir)
	}
}

// nonCanonicalVariants spells key in ways the kernel would have resolved.
func nonCanonicalVariants(key string) []string {
	out := []string{"/" + key, "./" + key, "x/../" + key, key + "/.", key + "/..", key + "//"}
	for i := 0; i < len(key); i++ {
		if key[i] != '/' {
			continue
		}
		pre, post := key[:i+1], key[i+1:]
		out = append(out, pre+"./"+post, pre+"x/../"+post, pre+"../"+post, pre+"/"+post)
	}
	return out
}

// percentVariants encodes one byte of key at a time, and all of it.
func percentVariants(key string) []string {
	var out []string
	var all strings.Builder
	for i := 0; i < len(key); i++ {
		enc := fmt.Sprintf("%%%02X", key[i])
		out = append(out, key[:i]+enc+key[i+1:])
		all.WriteString(enc)
	}
	return append(out, all.String())
}

func checkVariants(t *testing.T, c *Connector, raws []string, bucket, key string) {
	for _, op := range []Op{OpRead, OpList, OpStat, OpWrite, OpDelete, OpRename} {
		orig := c.Decide(op, bucket, key)
		for _, v := range nonCanonicalVariants(key) {
			if refCanonical(bucket, v) {
				t.Fatalf("variant %q of %q is canonical", v, key)
			}
			if d := c.Decide(op, bucket, v); d.Allowed() || d.Denial != DenyInvisible {
				t.Fatalf("paths %q: Decide(%v, %q, %q) = %v; a non-canonical key must be ENOENT", raws, op, bucket, v, d)
			}
		}
		if orig.Allowed() {
			continue
		}
		for _, v := range percentVariants(key) {
			if d := c.Decide(op, bucket, v); d.Allowed() {
				t.Fatalf("paths %q: %v on %q denied (%v) but allowed percent-encoded as %q (%v)", raws, op, key, orig, v, d)
			}
		}
		checkTrailingSlash(t, c, raws, op, bucket, key)
	}
}

// checkTrailingSlash: a trailing "/" makes a file key a directory key; that
// may only be allowed where some pattern names that directory or something
// below it, and for a mutation only where a pattern names exactly that
// directory as its subtree.
func checkTrailingSlash(t *testing.T, c *Connector, raws []string, op Op, bucket, key string) {
	if isDirKey(key) {
		return
	}
	v := key + "/"
	if !c.Decide(op, bucket, v).Allowed() {
		return
	}
	for _, r := range raws {
		b, rest, ok := strings.Cut(r, "/")
		lit := strings.TrimSuffix(rest, "*")
		if ok && b == bucket && (lit == v || !op.mutates() && strings.HasPrefix(lit, v)) {
			return
		}
	}
	t.Fatalf("paths %q: %v on %q denied but %q allowed, and no pattern names that directory", raws, op, key, v)
}
