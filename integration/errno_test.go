//go:build linux

package integration

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The errno answers a POSIX conformance suite (pjdfstest) checks, and
// when names and files created through the mount meet S3 (issue #12 item
// 3, issue #14 items 2 and 3), through the kernel against MinIO.

// TestErrnoNameTooLong: every call that takes a name over 255 bytes gives
// ENAMETOOLONG (stat, unlink, rmdir, truncate, chmod, rename, create), and
// mkdir of a name MinIO cannot store as a marker gives ENAMETOOLONG too,
// never EINVAL.
func TestErrnoNameTooLong(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "f", []byte("x"))
	m := mount(t, "s3://"+bucket)
	long := m.Path(strings.Repeat("n", 256))
	calls := map[string]func() error{
		"stat":     func() error { _, err := os.Stat(long); return err },
		"unlink":   func() error { return syscall.Unlink(long) },
		"rmdir":    func() error { return syscall.Rmdir(long) },
		"truncate": func() error { return syscall.Truncate(long, 0) },
		"chmod":    func() error { return syscall.Chmod(long, 0o600) },
		"rename":   func() error { return syscall.Rename(long, m.Path("g")) },
		"rename to": func() error {
			return syscall.Rename(m.Path("f"), long)
		},
		"create": func() error { return os.WriteFile(long, []byte("x"), 0o644) },
		"mkdir":  func() error { return syscall.Mkdir(long, 0o755) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("%s of a 256-byte name: %v, want ENAMETOOLONG", name, err)
		}
	}
	// MinIO stores the marker NAME/ as NAME__XLDIR__ on its disks: too
	// long for names of 247-255 bytes, which files can have.
	for _, n := range []int{250, 255} {
		name := strings.Repeat("d", n)
		if err := syscall.Mkdir(m.Path(name), 0o755); err != nil && !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("mkdir of a %d-byte name: %v, want success or ENAMETOOLONG", n, err)
		} else {
			t.Logf("mkdir of a %d-byte name: %v", n, err)
		}
		if err := os.WriteFile(m.Path("f"+name[1:]), []byte("ok"), 0o644); err != nil {
			t.Errorf("a file with a %d-byte name: %v", n, err)
		}
	}
}

// TestErrnoFileTooBig: ftruncate, truncate and a write past S3's 5 TiB
// object limit fail at once with EFBIG, uploading nothing; the file keeps
// what it had.
func TestErrnoFileTooBig(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "old", []byte("old"))
	m := mount(t, "s3://"+bucket)
	const fiveTiB, eightTiB = 5 << 40, 8 << 40

	start := time.Now()
	f, err := os.Create(m.Path("big"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("abc"); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(eightTiB); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("ftruncate to 8 TiB: %v, want EFBIG", err)
	}
	if _, err := f.WriteAt([]byte("x"), fiveTiB); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("write of the byte past 5 TiB: %v, want EFBIG", err)
	}
	if err := unix.Fallocate(int(f.Fd()), 0, fiveTiB, 1); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("fallocate past 5 TiB: %v, want EFBIG", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close after the refusals: %v", err)
	}
	if err := os.Truncate(m.Path("old"), eightTiB); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("truncate by path to 8 TiB: %v, want EFBIG", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the refusals took %v: something was uploaded", took)
	}
	if body, ok := getObject(t, srv.SDK(), bucket, "big"); !ok || string(body) != "abc" {
		t.Errorf("big in S3: %q (exists %v), want abc", body, ok)
	}
	if body, _ := getObject(t, srv.SDK(), bucket, "old"); string(body) != "old" {
		t.Errorf("old in S3: %q, want old", body)
	}
	if ups := multipartUploads(t, srv.SDK(), bucket); len(ups) != 0 {
		t.Errorf("multipart uploads left: %q", ups)
	}
}

// TestErrnoUnlinkedNlink: fstat of a descriptor whose file was removed
// shows st_nlink 0, and still the file's size.
func TestErrnoUnlinkedNlink(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	f, err := os.Create(m.Path("f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("data"); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Nlink != 1 {
		t.Fatalf("fstat before unlink: nlink %d, %v; want 1", st.Nlink, err)
	}
	if err := os.Remove(m.Path("f")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Nlink != 0 || st.Size != 4 {
		t.Fatalf("fstat after unlink: nlink %d size %d, %v; want nlink 0, size 4", st.Nlink, st.Size, err)
	}
}

// TestErrnoNewDirSeesOtherClients: a directory created through the mount
// is looked up in S3: an object another client writes below it right
// after shows at once, and rm -rf of the directory succeeds.
func TestErrnoNewDirSeesOtherClients(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket) // default --list-ttl 1m
	mustRun(t, "mkdir", m.Path("d"))
	mustRun(t, "touch", m.Path("d", "mine"))
	putObject(t, srv.SDK(), bucket, "d/theirs", []byte("another client's"))
	if got, err := os.ReadFile(m.Path("d", "theirs")); err != nil || string(got) != "another client's" {
		t.Fatalf("another client's object in a new directory: %q, %v", got, err)
	}
	mustRun(t, "rm", "-rf", m.Path("d"))
	for _, k := range listKeys(t, srv.SDK(), bucket) {
		if strings.HasPrefix(k, "d/") {
			t.Errorf("rm -rf left %s", k)
		}
	}
}

// TestErrnoEchoOnePut: `echo x > f` (the shell closes a duplicate of the
// descriptor before echo writes) sends exactly one PutObject, with the
// content; `touch` of a new file sends one empty PutObject, and the file
// is in S3 soon after touch returns.
func TestErrnoEchoOnePut(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	puts := func() int {
		n := 0
		for _, u := range proxy.Uploads() {
			if u.Kind == "PutObject" {
				n++
			}
		}
		return n
	}
	proxy.Reset()
	mustRun(t, "bash", "-c", `echo x > "$1"`, "bash", m.Path("f"))
	if n := puts(); n != 1 {
		t.Errorf("echo x > f sent %d PutObjects, want 1: %v", n, proxy.Seen())
	}
	if body, ok := getObject(t, srv.SDK(), bucket, "f"); !ok || string(body) != "x\n" {
		t.Errorf("f in S3: %q (exists %v)", body, ok)
	}

	proxy.Reset()
	mustRun(t, "touch", m.Path("empty"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if body, ok := getObject(t, srv.SDK(), bucket, "empty"); ok && len(body) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a touched file is not in S3 10 s after touch returned")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := puts(); n != 1 {
		t.Errorf("touch sent %d PutObjects, want 1: %v", n, proxy.Seen())
	}
}

// TestErrnoExclusiveCreateAtOpen: after another client created a name the
// mount's cached listing misses, an O_EXCL create fails with EEXIST at
// open, and cp onto the name fails at open or succeeds, never at close;
// nothing of cp's is uploaded when it fails.
func TestErrnoExclusiveCreateAtOpen(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket, "--list-ttl", "10m")
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("cp's bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "ls", m.Path()) // the listing is cached for 10 minutes
	putObject(t, srv.SDK(), bucket, "taken", []byte("theirs"))
	putObject(t, srv.SDK(), bucket, "cp-target", []byte("theirs"))

	_, err := os.OpenFile(m.Path("taken"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if !errors.Is(err, syscall.EEXIST) {
		t.Errorf("O_EXCL create over another client's object: %v, want EEXIST at open", err)
	}

	proxy.Reset()
	r := runTool("cp", src, m.Path("cp-target"))
	switch {
	case r.Err == nil:
		if body, _ := getObject(t, srv.SDK(), bucket, "cp-target"); string(body) != "cp's bytes" {
			t.Errorf("cp succeeded but S3 holds %q", body)
		}
	case strings.Contains(r.Stderr, "close"):
		t.Errorf("cp failed at close: %s", r.Stderr)
	default:
		t.Logf("cp failed at open: %s", strings.TrimSpace(r.Stderr))
		if body, _ := getObject(t, srv.SDK(), bucket, "cp-target"); string(body) != "theirs" {
			t.Errorf("cp failed, yet S3 holds %q", body)
		}
		if ups := proxy.Uploads(); len(ups) != 0 {
			t.Errorf("cp failed at open after uploading %v", ups)
		}
	}
}

// TestErrnoTarRequests: tar x of a small tree (4 directories, 30 files)
// into a new directory sends one PutObject per file and marker, and
// looks each name up once (HEADs of NAME and NAME.rclonelink and a
// one-key listing): the exclusive
// creates add no request. The counts are logged for the record.
func TestErrnoTarRequests(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	src := t.TempDir()
	files := 0
	for _, d := range []string{"t/a", "t/a/b", "t/c"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if err := os.WriteFile(filepath.Join(src, d, "f"+string(rune('0'+i))), []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
			files++
		}
	}
	archive := filepath.Join(t.TempDir(), "t.tar")
	mustRun(t, "tar", "-C", src, "-cf", archive, "t")
	mustRun(t, "ls", m.Path())
	proxy.Reset()
	mustRun(t, "tar", "-C", m.Path(), "-xf", archive)
	counts, ups := proxy.Counts(), proxy.Uploads()
	t.Logf("tar x of 4 directories and %d files: %d uploads, requests %v", files, len(ups), counts)
	const dirs = 4
	// One upload per file and marker, and one metadata copy per directory
	// whose mode tar sets at the end (modes are stored).
	if len(ups) != files+2*dirs {
		t.Errorf("%d uploads, want %d (one per file and marker, one mode copy per directory)", len(ups), files+2*dirs)
	}
	// A lookup HEADs the name and NAME.rclonelink (a symbolic link), in
	// parallel.
	if n := counts[reqHeadObject]; n > 2*(files+dirs-1) {
		t.Errorf("%d HEADs, want at most two per name looked up in a new directory (%d)", n, 2*(files+dirs-1))
	}
	if got := listKeys(t, srv.SDK(), bucket); len(got) != files+dirs {
		t.Errorf("%d keys in S3 after tar x, want %d", len(got), files+dirs)
	}
}
