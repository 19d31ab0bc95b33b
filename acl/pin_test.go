package acl

import (
	"strings"
	"testing"
)

func TestPinParsing(t *testing.T) {
	for _, tc := range []struct{ raw, key, version string }{
		{"b/data/train.csv@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd", "data/train.csv", "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"},
		{"b/x@0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "x", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
		{"b/old.txt@null", "old.txt", "null"},
		{"b/user@example.com", "user@example.com", ""},
		{"b/logs@2024-01-01.txt", "logs@2024-01-01.txt", ""},
		{"b/a@b/c", "a@b/c", ""},
		{"b/a@@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd", "a@", "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"},
		{"b/we:ird@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd!", "we:ird@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd!", ""},
	} {
		p, err := ParsePattern(tc.raw)
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if p.kind != kindExact || p.key != tc.key || p.Version() != tc.version {
			t.Errorf("%q: key %q version %q, want %q %q", tc.raw, p.key, p.Version(), tc.key, tc.version)
		}
	}
	// Prefix patterns never pin.
	p := MustPattern("b/dir@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd*")
	if p.Version() != "" || p.kind != kindPrefix {
		t.Errorf("prefix pattern pinned: %+v", p)
	}
}

func TestPinnedKeyIsReadOnly(t *testing.T) {
	c := &Connector{Label: "bundle", Access: ReadWrite, Paths: []Pattern{
		MustPattern("b/data/train.csv@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"),
		MustPattern("b/data/*"),
	}}
	if d := c.Decide(OpRead, "b", "data/train.csv"); !d.Allowed() {
		t.Fatalf("read of pinned key: %v", d)
	}
	for _, op := range []Op{OpWrite, OpDelete, OpRename} {
		if d := c.Decide(op, "b", "data/train.csv"); d.Denial != DenyReadOnly {
			t.Errorf("%v of pinned key: %v, want EROFS", op, d)
		}
	}
	if d := c.Decide(OpWrite, "b", "data/other.csv"); !d.Allowed() {
		t.Errorf("write of unpinned key in a readwrite connector: %v", d)
	}
	if v, ok := c.PinnedVersion("b", "data/train.csv"); !ok || v != "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd" {
		t.Errorf("PinnedVersion = %q %v", v, ok)
	}
	if _, ok := c.PinnedVersion("b", "data/other.csv"); ok {
		t.Error("unpinned key reported pinned")
	}
	if got := c.PinsIn("b", "data/"); len(got) != 1 || got[0].Key != "data/train.csv" {
		t.Errorf("PinsIn = %+v", got)
	}
	if got := c.PinsIn("b", ""); len(got) != 0 {
		t.Errorf("PinsIn root = %+v", got)
	}
}

func TestPinConflictRefused(t *testing.T) {
	src := `connectors:
  - label: bundle
    paths:
      - b/k@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd
      - b/k@AAAAkqtJlcpXroDTDmjVBH40Nrjfkd
`
	_, err := Parse([]byte(src), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "pin each object once") {
		t.Fatalf("two versions of one key: %v", err)
	}
}

// TestPinnedKeyDirRename: a directory holding a pinned key (at any
// depth) cannot be renamed, since that moves the key; its siblings can.
func TestPinnedKeyDirRename(t *testing.T) {
	c := &Connector{Label: "bundle", Access: ReadWrite, Paths: []Pattern{
		MustPattern("b/*"),
		MustPattern("b/data/sub/train.csv@3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"),
	}}
	for _, dir := range []string{"data/", "data/sub/"} {
		if d := DecideRename(c, "b", dir, c, "b", "moved/"); d.Allowed() || d.Denial != DenyReadOnly {
			t.Errorf("rename of %s: %+v, want DenyReadOnly", dir, d)
		}
	}
	for _, src := range []string{"other/", "data/x.csv", "data/sub/train.csv.bak"} {
		if d := DecideRename(c, "b", src, c, "b", "moved"+src[len(src)-1:]); !d.Allowed() {
			t.Errorf("rename of %s: %+v, want allowed", src, d)
		}
	}
}
