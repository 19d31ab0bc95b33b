package mountinfo

import (
	"strings"
	"testing"
)

const table = `22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:52 / /tmp/a\040b rw,nosuid,nodev,relatime shared:20 - fuse.objfs objfs:s3://x rw,user_id=0,group_id=0
41 22 0:53 / /mnt/m rw,nosuid,nodev,relatime shared:21 - fuse.objfs objfs:s3://y rw,user_id=0,group_id=0
42 41 0:54 / /mnt/m rw,nosuid,nodev,relatime shared:22 - fuse.objfs objfs:s3://z rw,user_id=0,group_id=0
96 22 0:51 / /mnt/back\134slash rw - fuse s3:// rw
`

func TestFind(t *testing.T) {
	for _, tt := range []struct {
		mountpoint, dev, fsType, opts string
		ok                            bool
	}{
		{"/tmp/a b", "0:52", "fuse.objfs", "rw,nosuid,nodev,relatime", true},
		{"/mnt/m", "0:54", "fuse.objfs", "rw,nosuid,nodev,relatime", true}, // the mount on top
		{"/", "253:0", "ext4", "rw,relatime", true},
		{`/mnt/back\slash`, "0:51", "fuse", "rw", true},
		{`/tmp/a\040b`, "", "", "", false}, // the escaped spelling is not a path
		{"/mnt", "", "", "", false},
		{"/tmp/a b/sub", "", "", "", false},
	} {
		m, ok, err := Find(strings.NewReader(table), tt.mountpoint)
		if err != nil || ok != tt.ok || m.Device != tt.dev || m.FSType != tt.fsType || m.Options != tt.opts || (ok && m.MountPoint != tt.mountpoint) {
			t.Errorf("Find(%q) = %+v, %v, %v; want device %q, type %q, options %q, %v", tt.mountpoint, m, ok, err, tt.dev, tt.fsType, tt.opts, tt.ok)
		}
	}
}

func TestFindFileSelf(t *testing.T) {
	m, ok, err := FindFile(Self, "/")
	if err != nil || !ok || !strings.Contains(m.Device, ":") {
		t.Fatalf("FindFile(Self, /) = %+v, %v, %v; want the root mount", m, ok, err)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`a\040b`: "a b", `a\011b`: "a\tb", `tail\04`: `tail\04`, `x\999`: `x\999`, "plain": "plain"} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAllSourceAndOptions(t *testing.T) {
	all, err := All(strings.NewReader(table))
	if err != nil || len(all) != 5 {
		t.Fatalf("All = %d mounts, %v", len(all), err)
	}
	m := all[1]
	if m.MountPoint != "/tmp/a b" || m.Source != "objfs:s3://x" || m.SuperOptions != "rw,user_id=0,group_id=0" {
		t.Errorf("All()[1] = %+v", m)
	}
	if v, ok := Option(m.SuperOptions, "user_id"); !ok || v != "0" {
		t.Errorf("Option(user_id) = %q, %v", v, ok)
	}
	if _, ok := Option(m.SuperOptions, "user"); ok {
		t.Error("Option(user) found a prefix of user_id")
	}
}
