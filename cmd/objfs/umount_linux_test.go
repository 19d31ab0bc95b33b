package main

import (
	"strings"
	"testing"
)

const sampleMountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
95 22 0:50 / /mnt/my\040data rw,nosuid,nodev,relatime shared:50 - fuse.objfs s3://b rw,user_id=0,group_id=0
96 22 0:51 / /mnt/back\134slash rw - fuse s3:// rw
`

func TestMountinfoHas(t *testing.T) {
	for path, want := range map[string]bool{
		"/":                true,
		"/mnt/my data":     true,
		`/mnt/back\slash`:  true,
		`/mnt/my\040data`:  false,
		"/mnt":             false,
		"/mnt/my data/sub": false,
	} {
		got, err := mountinfoHas(strings.NewReader(sampleMountinfo), path)
		if err != nil || got != want {
			t.Errorf("mountinfoHas(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{`a\040b`: "a b", `a\011b`: "a\tb", `tail\04`: `tail\04`, `x\999`: `x\999`, "plain": "plain"} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
}
