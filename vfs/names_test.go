package vfs

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNameProblem(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"file with spaces", true},
		{"ünïcødé ✓", true},
		{"100%+#?&=", true},
		{".hidden", true},
		{"...", true},
		{strings.Repeat("x", 255), true},
		{"", false},
		{".", false},
		{"..", false},
		{strings.Repeat("x", 256), false},
		{"nul\x00byte", false},
		{"a/b", false},
	}
	for _, tt := range tests {
		if got := validName(tt.name); got != tt.ok {
			t.Errorf("validName(%q) = %v (%s), want %v", tt.name, got, nameProblem(tt.name), tt.ok)
		}
	}
}

func TestObjectName(t *testing.T) {
	tests := []struct {
		prefix, key string
		name        string
		dir, own    bool
		bad         bool
	}{
		{"", "a", "a", false, false, false},
		{"d/", "d/a", "a", false, false, false},
		{"d/", "d/", "", false, true, false},
		{"d/", "d/sub/", "sub", true, false, false},
		{"d/", "d//", "", true, false, true},
		{"d/", "d/.", "", false, false, true},
		{"d/", "d/..", "", false, false, true},
		{"", "/abs", "", false, false, true},
		{"d/", "d/x/y", "", false, false, true},
		{"d/", "e/x", "", false, false, true},
	}
	for _, tt := range tests {
		name, dir, own, problem := objectName(tt.prefix, tt.key)
		if (problem != "") != tt.bad {
			t.Errorf("objectName(%q, %q): problem %q, want bad=%v", tt.prefix, tt.key, problem, tt.bad)
			continue
		}
		if tt.bad {
			continue
		}
		if name != tt.name || dir != tt.dir || own != tt.own {
			t.Errorf("objectName(%q, %q) = %q dir=%v own=%v, want %q dir=%v own=%v",
				tt.prefix, tt.key, name, dir, own, tt.name, tt.dir, tt.own)
		}
	}
}

func TestPrefixName(t *testing.T) {
	tests := []struct {
		prefix, common, name string
		bad                  bool
	}{
		{"", "a/", "a", false},
		{"d/", "d/sub/", "sub", false},
		{"d/", "d//", "", true},
		{"", "/", "", true},
		{"d/", "d/./", "", true},
		{"d/", "x/sub/", "", true},
	}
	for _, tt := range tests {
		name, problem := prefixName(tt.prefix, tt.common)
		if (problem != "") != tt.bad || (!tt.bad && name != tt.name) {
			t.Errorf("prefixName(%q, %q) = %q, %q; want %q bad=%v", tt.prefix, tt.common, name, problem, tt.name, tt.bad)
		}
	}
}

// logBuffer returns a logger writing text lines into the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func TestWarnOnce(t *testing.T) {
	log, buf := logBuffer()
	w := newWarnOnce(log)
	if !w.warn("b", "k", "msg") {
		t.Fatal("first warning not logged")
	}
	if w.warn("b", "k", "msg") {
		t.Fatal("second warning for the same key logged")
	}
	if !w.warn("other", "k", "msg") {
		t.Fatal("same key in another bucket not logged")
	}
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", n, buf)
	}
}

func TestWarnOnceCapped(t *testing.T) {
	log, buf := logBuffer()
	w := newWarnOnce(log)
	for i := 0; i < maxWarned+10; i++ {
		w.warn("b", fmt.Sprint(i), "msg")
	}
	lines := strings.Count(buf.String(), "\n")
	if lines != maxWarned+1 {
		t.Fatalf("%d lines, want %d warnings plus one suppression notice", lines, maxWarned+1)
	}
	if !strings.Contains(buf.String(), "suppressed") {
		t.Fatal("no suppression notice")
	}
}
