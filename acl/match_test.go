package acl

import (
	"reflect"
	"testing"
)

func TestAllowsAndDirVisible(t *testing.T) {
	c := newConn(t, "c", Read, "data/in/*", "models/team.jpg", "logs/app*")
	tests := []struct {
		bucket, key   string
		allows, dirVi bool
	}{
		{"data", "", false, true},
		{"data", "in/", true, true},
		{"data", "in/x.csv", true, false},
		{"data", "in/sub/", true, true},
		{"data", "in", false, false},
		{"data", "inx/", false, false},
		{"data", "out/", false, false},
		{"data", "secret", false, false},
		{"models", "", false, true},
		{"models", "team.jpg", true, false},
		{"models", "team.jpg/", false, false},
		{"models", "other.jpg", false, false},
		{"logs", "", false, true},
		{"logs", "app.log", true, false},
		{"logs", "app/", true, true},
		{"logs", "application/", true, true},
		{"logs", "ap", false, false},
		{"other", "", false, false},
		{"other", "x", false, false},
		// Non-canonical spellings never match, even when they would "clean"
		// into an allowed key.
		{"data", "in/../in/x", false, false},
		{"data", "in//x", false, false},
		{"data", "./in/x", false, false},
		{"data", "/in/x", false, false},
		{"data", "in/./", false, false},
		{"data/in", "x", false, false},
		{"", "data/in/x", false, false},
	}
	for _, tt := range tests {
		if got := c.Allows(tt.bucket, tt.key); got != tt.allows {
			t.Errorf("Allows(%q, %q) = %v; want %v", tt.bucket, tt.key, got, tt.allows)
		}
		if got := c.DirVisible(tt.bucket, tt.key); got != tt.dirVi {
			t.Errorf("DirVisible(%q, %q) = %v; want %v", tt.bucket, tt.key, got, tt.dirVi)
		}
	}
}

func TestDirVisibleOnTheWay(t *testing.T) {
	c := newConn(t, "c", Read, "b/a/b/c/file.txt")
	for _, d := range []string{"", "a/", "a/b/", "a/b/c/"} {
		if !c.DirVisible("b", d) {
			t.Errorf("DirVisible(b, %q) = false; want true (on the way)", d)
		}
	}
	for _, d := range []string{"a/b/c/file.txt/", "a/x/", "x/", "a/b/c/d/"} {
		if c.DirVisible("b", d) {
			t.Errorf("DirVisible(b, %q) = true; want false", d)
		}
	}
}

func TestEverythingConnector(t *testing.T) {
	for _, c := range []*Connector{newConn(t, "c", Read), newConn(t, "c", Read, "*")} {
		if !c.Allows("any", "thing/deep") || !c.DirVisible("any", "") || !c.BucketVisible("x") {
			t.Errorf("connector %v should allow everything", c.Paths)
		}
		if c.Allows("any", "a//b") || c.Allows("bad/bucket", "x") {
			t.Error("everything still excludes non-canonical paths")
		}
	}
}

func TestEntryVisible(t *testing.T) {
	c := newConn(t, "c", Read, "b/data/out/*", "b/top.txt", "b/raw*")
	tests := []struct {
		dir, name string
		isDir     bool
		want      bool
	}{
		{"", "data", true, true},
		{"", "data", false, false},
		{"", "top.txt", false, true},
		{"", "top.txt", true, false},
		{"", "other", true, false},
		{"", "raw", true, true},
		{"", "rawfile", false, true},
		{"", "ra", false, false},
		{"data/", "out", true, true},
		{"data/", "in", true, false},
		{"data/", "x.csv", false, false},
		{"data/out/", "x.csv", false, true},
		{"data/out/", "sub", true, true},
		{"data/", "..", true, false},
		{"data/", ".", true, false},
		{"data/", "", true, false},
		{"data/", "out/x", false, false},
		{"data", "out", true, false},
	}
	for _, tt := range tests {
		if got := c.EntryVisible("b", tt.dir, tt.name, tt.isDir); got != tt.want {
			t.Errorf("EntryVisible(b, %q, %q, dir=%v) = %v; want %v", tt.dir, tt.name, tt.isDir, got, tt.want)
		}
	}
}

func TestBucketNames(t *testing.T) {
	tests := []struct {
		pats    []string
		named   []string
		listAll bool
	}{
		{nil, nil, true},
		{[]string{"*"}, nil, true},
		{[]string{"b/x", "a/y/", "b/z*"}, []string{"a", "b"}, false},
		{[]string{"b/x", "log*"}, []string{"b"}, true},
	}
	for _, tt := range tests {
		named, all := newConn(t, "c", Read, tt.pats...).BucketNames()
		if !reflect.DeepEqual(named, tt.named) || all != tt.listAll {
			t.Errorf("BucketNames(%v) = %v, %v; want %v, %v", tt.pats, named, all, tt.named, tt.listAll)
		}
	}
	c := newConn(t, "c", Read, "log*")
	for b, want := range map[string]bool{"logs": true, "log": true, "logs-2024": true, "lo": false, "data": false} {
		if got := c.BucketVisible(b); got != want {
			t.Errorf("BucketVisible(%q) with log* = %v; want %v", b, got, want)
		}
	}
}

func TestImpliedDirs(t *testing.T) {
	c := newConn(t, "c", Read, "b/data/out/*", "b/data/in/x.csv", "b/top.txt", "b/raw/pre*", "b/data/out/deep/", "c/z/")
	tests := []struct {
		dir  string
		want []string
	}{
		{"", []string{"data", "raw"}},
		{"data/", []string{"in", "out"}},
		{"data/out/", []string{"deep"}},
		{"data/in/", nil},
		{"raw/", nil},
		{"nope/", nil},
		{"data", nil},
		{"data//", nil},
	}
	for _, tt := range tests {
		if got := c.ImpliedDirs("b", tt.dir); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ImpliedDirs(b, %q) = %v; want %v", tt.dir, got, tt.want)
		}
	}
	for _, d := range c.ImpliedDirs("b", "data/") {
		if !c.DirVisible("b", "data/"+d+"/") {
			t.Errorf("implied dir data/%s/ is not visible", d)
		}
	}
}
