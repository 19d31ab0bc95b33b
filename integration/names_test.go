//go:build linux

package integration

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// specialKeys are keys whose names need care in URLs, signatures and
// listings: spaces, unicode, %, +, #, ?, and look-alikes of escapes.
var specialKeys = []string{
	"with space.txt",
	"unicode-äöü-日本語-🙂.txt",
	"100%.txt",
	"%41%2F-looks-escaped.txt",
	"a+b=c.txt",
	"hash#tag.txt",
	"what?.txt",
	"semi;colon&amp'quote\".txt",
	"dir with space/inner #1?.txt",
	"plus+dir/x%y.txt",
	"ünï/çødé/ß.txt",
}

// TestSpecialNames: names with spaces, unicode, %, +, # and ? can be
// looked up (before any listing), listed, stat'ed and read.
func TestSpecialNames(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	for _, k := range specialKeys {
		putObject(t, srv.SDK(), bucket, k, []byte("content of "+k+"\n"))
	}
	m := mount(t, "s3://"+bucket)

	for _, k := range specialKeys { // lookups first, on a cold mount
		if got := mustRun(t, "cat", m.Path(k)); got != "content of "+k+"\n" {
			t.Errorf("cat %q = %q", k, got)
		}
		size := strings.TrimSpace(mustRun(t, "stat", "-c", "%s", m.Path(k)))
		if size != strconv.Itoa(len("content of "+k+"\n")) {
			t.Errorf("stat %q: size %s", k, size)
		}
	}
	got := findTree(t, m.Dir)
	if want := treeOf(specialKeys); !slices.Equal(got, want) {
		t.Fatalf("find:\n got %q\nwant %q", got, want)
	}
}

// treeOf returns the sorted "TYPE PATH" lines findTree gives for a bucket
// holding keys (no markers).
func treeOf(keys []string) []string {
	set := map[string]bool{}
	for _, k := range keys {
		set["f "+k] = true
		for d := path.Dir(k); d != "."; d = path.Dir(d) {
			set["d "+d] = true
		}
	}
	var out []string
	for e := range set {
		out = append(out, e)
	}
	return sorted(out)
}
