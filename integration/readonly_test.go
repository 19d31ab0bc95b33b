//go:build linux

package integration

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestWritesGiveEROFS: on a --read-only mount every change fails with
// EROFS, through tools and through system calls, and the bucket is left
// exactly as it was.
func TestWritesGiveEROFS(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "existing.txt", []byte("keep me\n"))
	putObject(t, srv.SDK(), bucket, "dir/inner.txt", []byte("inner\n"))
	putObject(t, srv.SDK(), bucket, "emptydir/", nil)
	before := listKeys(t, srv.SDK(), bucket)
	m := mount(t, "s3://"+bucket, "--read-only")
	existing := m.Path("existing.txt")

	for _, argv := range [][]string{
		{"touch", m.Path("new.txt")},
		{"touch", existing},
		{"mkdir", m.Path("newdir")},
		{"rm", "-f", existing},
		{"rmdir", m.Path("emptydir")},
		{"sh", "-c", `echo x > "$1"`, "sh", existing},
		{"sh", "-c", `echo x >> "$1"`, "sh", existing},
		{"sh", "-c", `echo x > "$1"`, "sh", m.Path("new2.txt")},
		{"mv", existing, m.Path("moved.txt")},
		{"cp", "/etc/hostname", m.Path("copied")},
		{"truncate", "-s", "0", existing},
		{"chmod", "600", existing},
		{"ln", "-s", "existing.txt", m.Path("link")},
	} {
		r := runTool(argv[0], argv[1:]...)
		if r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%q: err %v, stderr %q; want a failure with \"Read-only file system\"", argv, r.Err, r.Stderr)
		}
	}
	checkSyscallsEROFS(t, m)

	if after := listKeys(t, srv.SDK(), bucket); !slices.Equal(after, before) {
		t.Errorf("keys changed: before %q, after %q", before, after)
	}
	if got := mustRun(t, "cat", existing); got != "keep me\n" {
		t.Errorf("existing.txt now reads %q", got)
	}

	t.Run("bucket root", func(t *testing.T) {
		root := mount(t, "s3://", "--read-only")
		if err := os.Mkdir(root.Path("t-should-not-exist"), 0o755); !errors.Is(err, syscall.EROFS) {
			t.Errorf("mkdir at the s3:// root: %v, want EROFS", err)
		}
		if err := os.Remove(root.Path(bucket)); !errors.Is(err, syscall.EROFS) {
			t.Errorf("rmdir of a bucket: %v, want EROFS", err)
		}
		// Other tests create buckets meanwhile: check only these two.
		after := listBuckets(t, srv.SDK())
		if slices.Contains(after, "t-should-not-exist") || !slices.Contains(after, bucket) {
			t.Errorf("buckets changed: %q", after)
		}
	})
}

// checkSyscallsEROFS makes mutating system calls directly and wants EROFS
// from each.
func checkSyscallsEROFS(t *testing.T, m *Mount) {
	t.Helper()
	existing := m.Path("existing.txt")
	calls := map[string]func() error{
		"open O_WRONLY": func() error { f, err := os.OpenFile(existing, os.O_WRONLY, 0); closeIf(f); return err },
		"open O_CREAT": func() error {
			f, err := os.OpenFile(m.Path("c.txt"), os.O_CREATE|os.O_WRONLY, 0o644)
			closeIf(f)
			return err
		},
		"truncate": func() error { return os.Truncate(existing, 1) },
		"unlink":   func() error { return os.Remove(existing) },
		"mkdir":    func() error { return os.Mkdir(m.Path("d"), 0o755) },
		"rename":   func() error { return os.Rename(existing, m.Path("r.txt")) },
		"rmdir":    func() error { return syscall.Rmdir(m.Path("emptydir")) },
		"setxattr": func() error { return syscall.Setxattr(existing, "user.x", []byte("1"), 0) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
}

func closeIf(f *os.File) {
	if f != nil {
		f.Close()
	}
}
