package fs

import (
	"fmt"
	"slices"
	"syscall"
	"testing"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// Connector test helpers for the fs tests (the restricting client itself is
// tested in remote/restrict_test.go).

var seeded = []string{"data/a.csv", "data/out/r1.txt", "data/outer.txt", "other/x", "team.jpg", "team.jpgx", "zz/"}

// TestPolicyErrnos: the sentinels of connector refusals (remote.Restrict)
// give the errno acl's denial kind names, and are never retried.
func TestPolicyErrnos(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want syscall.Errno
	}{
		{remote.ErrDenied, syscall.EACCES},
		{fmt.Errorf("x: %w", remote.ErrReadOnly), syscall.EROFS},
		{remote.ErrCrossDevice, syscall.EXDEV},
	} {
		if got := toErrno(tc.err); got != tc.want {
			t.Errorf("toErrno(%v) = %v, want %v", tc.err, got, tc.want)
		}
		if remote.IsRetryable(tc.err) {
			t.Errorf("%v is retryable", tc.err)
		}
	}
	for k, want := range map[acl.Denial]syscall.Errno{acl.DenyInvisible: syscall.ENOENT,
		acl.DenyReadOnly: syscall.EROFS, acl.DenyOutside: syscall.EACCES, acl.DenyCrossDevice: syscall.EXDEV} {
		if got := toErrno(remote.DenialError(k)); got != want {
			t.Errorf("toErrno(DenialError(%v)) = %v, want %v", k, got, want)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

var (
	testConnector = testkit.Connector
	seedKeys      = testkit.SeedKeys
	listAllKeys   = testkit.ListAllKeys
)
