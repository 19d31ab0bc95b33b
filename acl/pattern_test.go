package acl

import (
	"strings"
	"testing"
)

func TestParsePatternValid(t *testing.T) {
	tests := []struct {
		in     string
		kind   kind
		bucket string
		key    string
		raw    bool
	}{
		{"*", kindAll, "", "", false},
		{"buck*", kindBucketPrefix, "buck", "", true},
		{"bucket", kindPrefix, "bucket", "", false},
		{"bucket/", kindPrefix, "bucket", "", false},
		{"bucket/*", kindPrefix, "bucket", "", false},
		{"bucket/team.jpg", kindExact, "bucket", "team.jpg", false},
		{"bucket/a/b/c.txt", kindExact, "bucket", "a/b/c.txt", false},
		{"bucket/dir/", kindPrefix, "bucket", "dir/", false},
		{"bucket/dir/*", kindPrefix, "bucket", "dir/", false},
		{"bucket/data*", kindPrefix, "bucket", "data", true},
		{"bucket/a/.hid*", kindPrefix, "bucket", "a/.hid", true},
		{"bucket/a/.*", kindPrefix, "bucket", "a/.", true},
		{"bucket/100%", kindExact, "bucket", "100%", false},
		{"bucket/50%off/", kindPrefix, "bucket", "50%off/", false},
		{"My_Legacy.Bucket/x", kindExact, "My_Legacy.Bucket", "x", false},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.in)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tt.in, err)
			continue
		}
		if p.kind != tt.kind || p.bucket != tt.bucket || p.key != tt.key || p.raw() != tt.raw || p.Raw != tt.in {
			t.Errorf("ParsePattern(%q) = kind %d bucket %q key %q raw %v; want kind %d bucket %q key %q raw %v",
				tt.in, p.kind, p.bucket, p.key, p.raw(), tt.kind, tt.bucket, tt.key, tt.raw)
		}
	}
}

func TestParsePatternInvalid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"**", `"*" may only end`},
		{"b/*.jpg", `"*" may only end`},
		{"b*/x", `"*" may only end`},
		{"*/x", `"*" may only end`},
		{"b/a*b*", `"*" may only end`},
		{"/b/x", "bucket name is empty"},
		{"b//x", `starts with "/"`},
		{"b/../x", `".."`},
		{"b/./x", `"."`},
		{"b/x/..", `".."`},
		{"b/x/../", `".."`},
		{"b/a//*", `"//"`},
		{"b/a//c*", `"//"`},
		{"b/a%2Fb", "percent-encoded"},
		{"b/a%2f*", "percent-encoded"},
		{"b/x%*", "percent sequence"},
		{"b/x%2*", "percent sequence"},
		{"b/a\x00b", "NUL"},
		{"bu cket/x", "bucket name"},
		{"b%41/x", "bucket name"},
		{"bu/cket*x", `"*" may only end`},
		{"b.u:k*", "bucket prefix"},
		{"b/" + strings.Repeat("n", 256), "longer than 255"},
		{"..", "bucket name"},
	}
	for _, tt := range tests {
		_, err := ParsePattern(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePattern(%q) = %v; want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestPatternAllows(t *testing.T) {
	tests := []struct {
		pat, bucket, key string
		want             bool
	}{
		{"b/team.jpg", "b", "team.jpg", true},
		{"b/team.jpg", "b", "team.jpg2", false},
		{"b/team.jpg", "b", "team.jp", false},
		{"b/team.jpg", "b", "team.jpg/", false},
		{"b/team.jpg", "bb", "team.jpg", false},
		{"b/team.jpg", "b", "", false},
		{"b/dir/*", "b", "dir/", true},
		{"b/dir/*", "b", "dir/x", true},
		{"b/dir/*", "b", "dir/x/y/z", true},
		{"b/dir/*", "b", "dir", false},
		{"b/dir/*", "b", "dirx/y", false},
		{"b/dir/", "b", "dir/deep/er/", true},
		{"b/data*", "b", "data", true},
		{"b/data*", "b", "database/x", true},
		{"b/data*", "b", "data/x", true},
		{"b/data*", "b", "dat", false},
		{"b*", "b", "anything", true},
		{"b*", "b-other", "x", true},
		{"b*", "a", "x", false},
		{"b", "b", "", true},
		{"b", "b", "x/y", true},
		{"b", "bb", "x", false},
		{"*", "any", "thing/", true},
	}
	for _, tt := range tests {
		if got := MustPattern(tt.pat).allows(tt.bucket, tt.key); got != tt.want {
			t.Errorf("%q allows (%q, %q) = %v; want %v", tt.pat, tt.bucket, tt.key, got, tt.want)
		}
	}
}

func TestPatternCovers(t *testing.T) {
	tests := []struct {
		p, q string
		want bool
	}{
		{"*", "b/x", true},
		{"b/x", "*", false},
		{"b*", "bucket/x/", true},
		{"b*", "bu*", true},
		{"bu*", "b*", false},
		{"b", "b/x/y", true},
		{"b/x/", "b/x/y", true},
		{"b/x/", "b/x", false},
		{"b/x", "b/x", true},
		{"b/x", "b/x/", false},
		{"b/da*", "b/data/", true},
		{"b/data/", "b/da*", false},
		{"b/x/", "c/x/", false},
		{"b/x", "b*", false},
	}
	for _, tt := range tests {
		if got := MustPattern(tt.p).covers(MustPattern(tt.q)); got != tt.want {
			t.Errorf("%q covers %q = %v; want %v", tt.p, tt.q, got, tt.want)
		}
	}
}

func TestZeroPatternMatchesNothing(t *testing.T) {
	c := &Connector{Label: "x", Access: ReadWrite, Paths: []Pattern{{Raw: "*"}}}
	if c.Allows("b", "k") || c.DirVisible("b", "") || c.Decide(OpRead, "b", "k").Allowed() {
		t.Fatal("a Pattern not built by ParsePattern must match nothing")
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "ParsePattern") {
		t.Fatalf("Validate = %v; want it to name the unparsed pattern", err)
	}
}

func TestDescribe(t *testing.T) {
	for pat, want := range map[string]string{
		"*":          "everything",
		"b*":         "every bucket whose name starts with",
		"b/x":        "exactly the object b/x",
		"b":          "the whole bucket b",
		"b/d/*":      "everything under b/d/",
		"b/data*":    "raw prefix",
		"b/data/x/*": "everything under b/data/x/",
	} {
		if got := MustPattern(pat).Describe(); !strings.Contains(got, want) {
			t.Errorf("Describe(%q) = %q; want it to contain %q", pat, got, want)
		}
	}
}
