package vfs

import (
	"syscall"
	"testing"
	"time"
)

func TestParseMetaMtime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1700000000", time.Unix(1700000000, 0), true},
		{"1700000000.5", time.Unix(1700000000, 500000000), true},
		{"1700000000.123456789", time.Unix(1700000000, 123456789), true},
		{"1700000000.000000001", time.Unix(1700000000, 1), true},
		{" 1700000000 ", time.Unix(1700000000, 0), true},
		{"", time.Time{}, false},
		{"abc", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"1700000000.", time.Time{}, false},
		{".5", time.Time{}, false},
		{"1700000000.1234567890", time.Time{}, false},
		{"1700000000.-1", time.Time{}, false},
		{"2023-11-14T22:13:20Z", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseMetaMtime(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseMetaMtime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFileAttr(t *testing.T) {
	c := Config{UID: 1000, GID: 100}
	c.SetDefaults()
	mtime := time.Unix(1700000000, 42)
	a := c.fileAttr(7, 1025, mtime)
	if a.Mode != syscall.S_IFREG|0o644 || a.Size != 1025 || a.UID != 1000 || a.GID != 100 || a.Ino != 7 ||
		a.Blksize != IOSize {
		t.Fatalf("file attr %+v", a)
	}
	if !a.Mtime.Equal(mtime) {
		t.Fatalf("times %+v", a)
	}
	c.ReadOnly = true
	c.FileMode = 0o666
	a = c.fileAttr(7, 0, mtime)
	if a.Mode != syscall.S_IFREG|0o444 || a.Size != 0 {
		t.Fatalf("read-only file mode %o size %d", a.Mode, a.Size)
	}
}

func TestDirAttr(t *testing.T) {
	c := Config{DirMode: 0o750, ReadOnly: true}
	c.SetDefaults()
	a := c.dirAttr(9, time.Time{})
	if a.Mode != syscall.S_IFDIR|0o550 || a.Size != 0 || !a.Mtime.IsZero() || a.Ino != 9 {
		t.Fatalf("dir attr %+v", a)
	}
}

func TestInoFor(t *testing.T) {
	seen := map[uint64]string{}
	for _, k := range []struct{ b, k string }{
		{"b", "a"}, {"b", "a/"}, {"b", ""}, {"b2", ""}, {"b", "b2"}, {"bb", "a"}, {"b", "ba"},
	} {
		ino := inoFor(k.b, k.k)
		if ino < 2 {
			t.Fatalf("ino %d for %v", ino, k)
		}
		if other, dup := seen[ino]; dup {
			t.Fatalf("%v and %s share ino %d", k, other, ino)
		}
		seen[ino] = k.b + "\x00" + k.k
		if inoFor(k.b, k.k) != ino {
			t.Fatal("not stable")
		}
	}
}
