package fs

import (
	"strings"
	"testing"
)

func TestMountDevice(t *testing.T) {
	table := strings.Join([]string{
		`22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw`,
		`40 22 0:52 / /tmp/a\040b rw,nosuid,nodev,relatime shared:20 - fuse.objfs objfs:s3://x rw,user_id=0,group_id=0`,
		`41 22 0:53 / /mnt/m rw,nosuid,nodev,relatime shared:21 - fuse.objfs objfs:s3://y rw,user_id=0,group_id=0`,
		`42 41 0:54 / /mnt/m rw,nosuid,nodev,relatime shared:22 - fuse.objfs objfs:s3://z rw,user_id=0,group_id=0`,
	}, "\n")
	for _, tt := range []struct{ mountpoint, want string }{
		{"/tmp/a b", "0:52"},
		{"/mnt/m", "0:54"}, // the mount on top
		{"/", "253:0"},
	} {
		got, err := mountDevice(strings.NewReader(table), tt.mountpoint)
		if err != nil || got != tt.want {
			t.Errorf("mountDevice(%q) = %q, %v; want %q", tt.mountpoint, got, err, tt.want)
		}
	}
	if _, err := mountDevice(strings.NewReader(table), "/nowhere"); err == nil {
		t.Error("a path that is not mounted got a device")
	}
}
