package acl

import (
	"syscall"
	"testing"
)

// TestDenialErrno: each kind names, and words, the errno fs answers with,
// so `connectors check` prints what it printed when Decision held an errno.
func TestDenialErrno(t *testing.T) {
	for _, tc := range []struct {
		k     Denial
		errno syscall.Errno
		name  string
	}{
		{DenyInvisible, syscall.ENOENT, "ENOENT"},
		{DenyReadOnly, syscall.EROFS, "EROFS"},
		{DenyOutside, syscall.EACCES, "EACCES"},
		{DenyCrossDevice, syscall.EXDEV, "EXDEV"},
	} {
		if got := tc.k.ErrnoName(); got != tc.name {
			t.Errorf("%d.ErrnoName() = %q, want %q", int(tc.k), got, tc.name)
		}
		if got := tc.k.errnoText(); got != tc.errno.Error() {
			t.Errorf("%s.errnoText() = %q, want %q", tc.name, got, tc.errno.Error())
		}
	}
	if got := DenyNone.ErrnoName(); got != "OK" {
		t.Errorf("DenyNone.ErrnoName() = %q, want OK", got)
	}
	if !(Decision{}).Allowed() || (Decision{Denial: DenyOutside}).Allowed() {
		t.Error("Allowed() does not follow Denial")
	}
}
