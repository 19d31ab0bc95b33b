//go:build linux

package integration

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// findTree lists everything under dir as "TYPE PATH" lines (TYPE f or d,
// PATH relative to dir), sorted, using find(1) through the mount.
func findTree(t *testing.T, dir string) []string {
	t.Helper()
	entries := nulFields(mustRun(t, "find", dir, "-mindepth", "1", "-printf", `%y %P\0`))
	sort.Strings(entries)
	return entries
}

// checkNoDuplicates fails t if entries holds a line twice.
func checkNoDuplicates(t *testing.T, what string, entries []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e] {
			t.Errorf("%s: %q listed twice", what, e)
		}
		seen[e] = true
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestRootListsBuckets: the root of s3:// has one directory per bucket the
// credentials can list, and each one shows its bucket.
func TestRootListsBuckets(t *testing.T) {
	srv := requireMountable(t)
	mine := []string{srv.NewBucket(t), srv.NewBucket(t), srv.NewBucket(t)}
	putObject(t, srv.SDK(), mine[0], "hello.txt", []byte("hello from the first bucket\n"))
	putObject(t, srv.SDK(), mine[1], "sub/file.txt", []byte("x"))
	m := mount(t, "s3://")

	got := sorted(lines(mustRun(t, "ls", "-1A", m.Dir)))
	if want := listBuckets(t, srv.SDK()); !slices.Equal(got, want) {
		t.Fatalf("ls of s3:// root:\n got %q\nwant %q (ListBuckets)", got, want)
	}
	for _, b := range mine {
		if kind := strings.TrimSpace(mustRun(t, "stat", "-c", "%F", m.Path(b))); kind != "directory" {
			t.Errorf("%s at the root is a %q, want a directory", b, kind)
		}
	}
	if got := mustRun(t, "cat", m.Path(mine[0], "hello.txt")); got != "hello from the first bucket\n" {
		t.Errorf("cat through s3:// root: %q", got)
	}
	if got := findTree(t, m.Path(mine[1])); !slices.Equal(got, []string{"d sub", "f sub/file.txt"}) {
		t.Errorf("find in %s: %q", mine[1], got)
	}
	if got := mustRun(t, "ls", "-A", m.Path(mine[2])); got != "" {
		t.Errorf("empty bucket lists %q", got)
	}
}

// nestedKeys mixes explicit directories (dir/ markers) and implicit ones
// (common prefixes only), at several depths.
var nestedKeys = map[string]string{
	"top.txt":          "top\n",
	"a/":               "",
	"a/one.txt":        "one\n",
	"a/b/":             "",
	"a/b/two.txt":      "two!\n",
	"a/b/c/deep.txt":   "deep down\n",
	"implicit/x/y.txt": "no markers above me\n",
	"empty/":           "",
	"markedonly/sub/":  "",
}

var nestedTree = []string{
	"d a", "d a/b", "d a/b/c", "d empty", "d implicit", "d implicit/x",
	"d markedonly", "d markedonly/sub",
	"f a/b/c/deep.txt", "f a/b/two.txt", "f a/one.txt",
	"f implicit/x/y.txt", "f top.txt",
}

// TestNestedPrefixesAndMarkers: nested prefixes are directories; dir/
// markers and implicit prefixes merge without duplicates; a marker alone is
// an empty directory; a prefix source strips the prefix.
func TestNestedPrefixesAndMarkers(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	for k, v := range nestedKeys {
		putObject(t, srv.SDK(), bucket, k, []byte(v))
	}
	m := mount(t, "s3://"+bucket)

	got := findTree(t, m.Dir)
	checkNoDuplicates(t, "find", got)
	if want := sorted(nestedTree); !slices.Equal(got, want) {
		t.Fatalf("find:\n got %q\nwant %q", got, want)
	}
	for _, dir := range []string{".", "a", "a/b", "empty", "markedonly"} {
		checkNoDuplicates(t, "ls "+dir, lines(mustRun(t, "ls", "-1A", m.Path(dir))))
	}
	for key, content := range nestedKeys {
		if strings.HasSuffix(key, "/") {
			continue
		}
		if got := mustRun(t, "cat", m.Path(key)); got != content {
			t.Errorf("cat %s = %q, want %q", key, got, content)
		}
	}

	t.Run("prefix source", func(t *testing.T) {
		sub := mount(t, "s3://"+bucket+"/a/")
		want := []string{"d b", "d b/c", "f b/c/deep.txt", "f b/two.txt", "f one.txt"}
		if got := findTree(t, sub.Dir); !slices.Equal(got, want) {
			t.Fatalf("find in s3://%s/a/:\n got %q\nwant %q", bucket, got, want)
		}
		if got := mustRun(t, "cat", sub.Path("b", "two.txt")); got != nestedKeys["a/b/two.txt"] {
			t.Errorf("cat b/two.txt = %q", got)
		}
	})
}
