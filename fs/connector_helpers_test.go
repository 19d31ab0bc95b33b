package fs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// Connector test helpers for the fs tests (the restricting client itself is
// tested in remote/restrict_test.go).

// testConnector parses one connector from YAML lines (label, paths,
// access), with default credentials.
func testConnector(t testing.TB, label string, access string, paths ...string) *acl.Connector {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "connectors:\n  - label: %s\n    credentials: default\n    access: %s\n", label, access)
	if len(paths) > 0 {
		b.WriteString("    paths:\n")
		for _, p := range paths {
			fmt.Fprintf(&b, "      - %q\n", p)
		}
	}
	f, err := acl.Parse([]byte(b.String()), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f.Connector(label)
}

// seedKeys stores an object (its key as content) at each key of testBucket.
func seedKeys(t *testing.T, c remote.Client, keys ...string) {
	t.Helper()
	for _, k := range keys {
		put(t, c, k, []byte(k), nil)
	}
}

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
	for k, want := range map[acl.Denial]syscall.Errno{acl.DenyNone: 0, acl.DenyInvisible: syscall.ENOENT,
		acl.DenyReadOnly: syscall.EROFS, acl.DenyOutside: syscall.EACCES, acl.DenyCrossDevice: syscall.EXDEV} {
		if got := denialErrno(k); got != want {
			t.Errorf("denialErrno(%v) = %v, want %v", k, got, want)
		}
	}
}

func listAllKeys(t *testing.T, c remote.Client) []string {
	t.Helper()
	var keys []string
	req := remote.ListRequest{Bucket: testBucket}
	for {
		page, err := c.List(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			keys = append(keys, o.Key)
		}
		if page.NextToken == "" {
			return keys
		}
		req.Token = page.NextToken
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
