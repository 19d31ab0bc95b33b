package acl

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	good := []string{"", "a", "a/", "a/b", "a/b/", ".hidden", "..x", "a/...", "100%25", "sp ace/x",
		"a%2Fb", "%zz", "50%", "a%2F", "x%2E", "%2541",
		strings.Repeat("n", 255) + "/x"}
	bad := []string{"/", "/a", "a//b", "a//", "./a", "a/.", "a/./b", "a/..", "../a", "a/../b",
		".", "..", "a\x00b", strings.Repeat("n", 256), "//",
		"out/%2E%2E/x", "out/%2e./x", "a%2F%2Fb", "%2Fx", "a/%2E", "%00", "%252E%252E", "%25252F%25252Fx", "%252Fx%2F"}
	for _, k := range good {
		if err := CheckKey(k); err != nil || !keyOK(k) {
			t.Errorf("CheckKey(%q) = %v, keyOK %v; want canonical", k, err, keyOK(k))
		}
	}
	for _, k := range bad {
		if err := CheckKey(k); err == nil || keyOK(k) {
			t.Errorf("CheckKey(%q) = nil / keyOK true; want an error", k)
		}
	}
}

func TestValidNameAndBucket(t *testing.T) {
	for _, n := range []string{"", ".", "..", "a/b", "a\x00", strings.Repeat("x", 256)} {
		if ValidName(n) == nil || nameOK(n) {
			t.Errorf("ValidName(%q) accepted", n)
		}
	}
	for _, n := range []string{"a", "...", "a b", strings.Repeat("x", 255)} {
		if ValidName(n) != nil || !nameOK(n) {
			t.Errorf("ValidName(%q) refused", n)
		}
	}
	for _, b := range []string{"", ".", "..", "a/b", "a%41", "a b", "ä"} {
		if CheckBucket(b) == nil {
			t.Errorf("CheckBucket(%q) accepted", b)
		}
	}
	for _, b := range []string{"data", "my-bucket.v2", "Legacy_Bucket"} {
		if err := CheckBucket(b); err != nil {
			t.Errorf("CheckBucket(%q) = %v", b, err)
		}
	}
}

func TestParentDir(t *testing.T) {
	for key, want := range map[string]string{"a": "", "a/": "", "a/b": "a/", "a/b/": "a/", "a/b/c": "a/b/"} {
		if got, ok := parentDir(key); !ok || got != want {
			t.Errorf("parentDir(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := parentDir(""); ok {
		t.Error("the bucket root has no parent directory inside the bucket")
	}
}
