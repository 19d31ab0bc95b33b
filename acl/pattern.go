package acl

import (
	"errors"
	"fmt"
	"strings"
)

// kind is what a Pattern matches. The zero kind matches nothing, so a
// Pattern built without ParsePattern fails closed.
type kind uint8

const (
	kindNone         kind = iota
	kindAll               // "*": every bucket, every key
	kindBucketPrefix      // "buck*": every bucket whose name starts with bucket
	kindExact             // "bucket/team.jpg": exactly one key
	kindPrefix            // "bucket", "bucket/dir/", "bucket/dir/*", "bucket/data*"
)

// Pattern is one entry of a connector's paths, parsed by ParsePattern.
// Matching is literal and byte-wise: no globbing, no case folding, no
// percent-decoding.
type Pattern struct {
	Raw  string // as written in the file
	Line int    // line in the connectors file, 0 when built in code

	kind   kind
	bucket string // bucket name, or bucket-name prefix for kindBucketPrefix
	key    string // exact key (kindExact) or key prefix (kindPrefix)
	// version pins an exact key to one object version
	// ("bucket/key@VERSIONID", pin.go); "" for the live object.
	version string
}

// ParsePattern parses one "bucket/key-pattern":
//
//	bucket/team.jpg     exactly that object
//	bucket/dir/*        the directory dir/ and everything below it
//	bucket/dir/         the same
//	bucket, bucket/*    the whole bucket (and the bucket itself)
//	bucket/data*        raw key prefix: data.csv, data/, database/...
//	buck*               raw bucket prefix: every key of buck, bucket, buck-x...
//	*                   everything
//	bucket/team.jpg@V   that object, pinned to version V (pin.go says
//	                    when an "@" starts a version id)
//
// "*" may only end a pattern. The key part must be canonical (see CheckKey)
// and may not look percent-encoded: keys are matched literally, so "a%2Fb"
// names an object with a percent sign in it, never "a/b".
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{Raw: s}
	if err := checkStars(s); err != nil {
		return Pattern{}, err
	}
	if s == "*" {
		p.kind = kindAll
		return p, nil
	}
	bucket, rest, hasSlash := strings.Cut(s, "/")
	if !hasSlash {
		return parseBucketOnly(p, bucket)
	}
	if err := CheckBucket(bucket); err != nil {
		return Pattern{}, err
	}
	p.bucket = bucket
	if err := parseKeyPart(&p, rest); err != nil {
		return Pattern{}, err
	}
	return p, nil
}

// MustPattern is ParsePattern for patterns known to be valid (tests, code
// that builds connectors); it panics on error.
func MustPattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(fmt.Sprintf("acl.MustPattern(%q): %v", s, err))
	}
	return p
}

// ParsePatterns parses each of raw, for connectors built in code.
func ParsePatterns(raw ...string) ([]Pattern, error) {
	out := make([]Pattern, 0, len(raw))
	for _, s := range raw {
		p, err := ParsePattern(s)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func checkStars(s string) error {
	if s == "" {
		return errors.New("pattern is empty")
	}
	if n := strings.Count(s, "*"); n > 1 || (n == 1 && !strings.HasSuffix(s, "*")) {
		return errors.New(`"*" may only end a pattern (patterns are literal prefixes, not globs)`)
	}
	return nil
}

func parseBucketOnly(p Pattern, bucket string) (Pattern, error) {
	if prefix, ok := strings.CutSuffix(bucket, "*"); ok {
		if !bucketCharsOK(prefix) {
			return Pattern{}, fmt.Errorf("bucket prefix %q: want letters, digits, '.', '-' or '_'", prefix)
		}
		p.kind, p.bucket = kindBucketPrefix, prefix
		return p, nil
	}
	if err := CheckBucket(bucket); err != nil {
		return Pattern{}, err
	}
	p.kind, p.bucket = kindPrefix, bucket
	return p, nil
}

// parseKeyPart fills p's kind and key from the part after "bucket/".
func parseKeyPart(p *Pattern, rest string) error {
	if err := checkNoPercentEscape(rest); err != nil {
		return err
	}
	if prefix, ok := strings.CutSuffix(rest, "*"); ok {
		if prefix == "" || strings.HasSuffix(prefix, "/") {
			return setPrefix(p, prefix)
		}
		return setRawPrefix(p, prefix)
	}
	if rest == "" || strings.HasSuffix(rest, "/") {
		return setPrefix(p, rest)
	}
	key, version := splitPin(rest)
	if err := CheckKey(key); err != nil {
		return err
	}
	p.kind, p.key, p.version = kindExact, key, version
	return nil
}

// setPrefix sets a subtree prefix: "" or a canonical directory key.
func setPrefix(p *Pattern, dir string) error {
	if err := CheckKey(dir); err != nil {
		return err
	}
	p.kind, p.key = kindPrefix, dir
	return nil
}

// setRawPrefix sets a prefix that ends inside a segment: its complete
// segments must be canonical; the partial last one may be "." or ".."
// (".hidden" and "..x" extend them) but not hold "/" or NUL.
func setRawPrefix(p *Pattern, prefix string) error {
	i := strings.LastIndexByte(prefix, '/')
	if err := CheckKey(prefix[:i+1]); err != nil {
		return err
	}
	last := prefix[i+1:]
	if strings.IndexByte(last, 0) >= 0 || len(last) > MaxNameLen {
		return fmt.Errorf("prefix segment %q is not a valid name start", last)
	}
	if endsInsidePercent(prefix) {
		return errors.New("a raw prefix may not end inside a percent sequence (keys are matched literally)")
	}
	p.kind, p.key = kindPrefix, prefix
	return nil
}

// checkNoPercentEscape refuses "%XX" with two hex digits: keys are matched
// literally, so a pattern that looks URL-encoded is almost surely a mistake,
// and refusing it keeps "percent-encode a denied key" from ever matching.
func checkNoPercentEscape(s string) error {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return fmt.Errorf("pattern looks percent-encoded (%q): keys are matched literally, write the character itself", s[i:i+3])
		}
	}
	return nil
}

// endsInsidePercent reports whether s ends with "%" or "%" and one hex
// digit: a raw prefix ending so would match the start of an escape.
func endsInsidePercent(s string) bool {
	n := len(s)
	return n >= 1 && s[n-1] == '%' || n >= 2 && s[n-2] == '%' && isHex(s[n-1])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.Raw }

// Describe says in words what the pattern matches.
func (p Pattern) Describe() string {
	switch p.kind {
	case kindAll:
		return "everything"
	case kindBucketPrefix:
		return fmt.Sprintf("every bucket whose name starts with %q (raw prefix)", p.bucket)
	case kindExact:
		if p.version != "" {
			return fmt.Sprintf("exactly the object %s/%s, pinned to version %s (read-only)", p.bucket, p.key, p.version)
		}
		return fmt.Sprintf("exactly the object %s/%s", p.bucket, p.key)
	case kindPrefix:
		if p.key == "" {
			return fmt.Sprintf("the whole bucket %s", p.bucket)
		}
		if p.raw() {
			return fmt.Sprintf("keys of bucket %s starting with %q (raw prefix)", p.bucket, p.key)
		}
		return fmt.Sprintf("everything under %s/%s", p.bucket, p.key)
	}
	return "nothing (pattern not parsed)"
}

// raw reports whether p is a prefix that ends inside a name, so it matches
// more than one folder ("bucket/data*" matches database/ too).
func (p Pattern) raw() bool {
	switch p.kind {
	case kindBucketPrefix:
		return true
	case kindPrefix:
		return p.key != "" && !strings.HasSuffix(p.key, "/")
	}
	return false
}

// matchBucket reports whether p can match keys of bucket.
func (p Pattern) matchBucket(bucket string) bool {
	switch p.kind {
	case kindAll:
		return true
	case kindBucketPrefix:
		return strings.HasPrefix(bucket, p.bucket)
	case kindExact, kindPrefix:
		return bucket == p.bucket
	}
	return false
}

// allows reports whether p matches key itself. Callers check canonical form.
func (p Pattern) allows(bucket, key string) bool {
	if !p.matchBucket(bucket) {
		return false
	}
	switch p.kind {
	case kindExact:
		return key == p.key
	case kindPrefix:
		return strings.HasPrefix(key, p.key)
	}
	return true
}

// leadsInto reports whether some key p matches lies strictly below the
// directory key dir (dir is "" or ends in "/"), so dir is on the way to it.
func (p Pattern) leadsInto(bucket, dir string) bool {
	if !p.matchBucket(bucket) {
		return false
	}
	switch p.kind {
	case kindExact, kindPrefix:
		return len(p.key) > len(dir) && strings.HasPrefix(p.key, dir)
	}
	return true
}

// covers reports whether every key q matches is also matched by p.
func (p Pattern) covers(q Pattern) bool {
	switch {
	case p.kind == kindNone || q.kind == kindNone:
		return false
	case p.kind == kindAll:
		return true
	case q.kind == kindAll:
		return false
	case p.kind == kindBucketPrefix:
		return strings.HasPrefix(q.bucket, p.bucket)
	case q.kind == kindBucketPrefix || p.bucket != q.bucket:
		return false
	case p.kind == kindExact:
		return q.kind == kindExact && q.key == p.key
	}
	return strings.HasPrefix(q.key, p.key)
}
