package main

import (
	"testing"

	"github.com/objfs/objfs/csi"
	"github.com/objfs/objfs/fs"
)

// TestHandoffMountOptions: the plugin's mount(2) of a handed-off volume
// gets the options objfs mount would give its own: the source's name,
// ro, noexec and the request size (max_read), which is refused as
// objfs mount refuses it.
func TestHandoffMountOptions(t *testing.T) {
	got, err := handoffMountOptions(csi.KernelMount{FSName: "s3://b/p/", ReadOnly: true, NoExec: true, MaxRequestSize: "4M"})
	if err != nil {
		t.Fatal(err)
	}
	want := fs.MountOptions{AllowOther: true, FSName: "s3://b/p/", ReadOnly: true, NoExec: true, MaxRequestSize: 4 << 20}
	if got != want {
		t.Fatalf("options %+v, want %+v", got, want)
	}
	if got, err := handoffMountOptions(csi.KernelMount{FSName: "s3://b"}); err != nil || got.MaxRequestSize != 0 {
		t.Fatalf("no request size: %+v %v", got, err)
	}
	for _, bad := range []string{"3", "64M", "lots"} {
		if _, err := handoffMountOptions(csi.KernelMount{FSName: "s3://b", MaxRequestSize: bad}); err == nil {
			t.Errorf("request size %q accepted", bad)
		}
	}
}
