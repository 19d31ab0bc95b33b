//go:build linux

package integration

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// Issue 11, items 3, 4 and 6, end to end: the real binary, kernel FUSE,
// MinIO. Each expectation is what ext4 does.

// TestOpenDescriptorsKeepTheirFile: an open descriptor keeps the file it
// opened through unlink and rename-over: w=open(f,O_RDWR|O_CREAT|O_TRUNC);
// r=open(f,O_RDONLY); write(w, 4321 bytes); unlink(f); close(w) leaves r
// with 4,321 bytes (fstat and pread); and a reader opened on an object
// that was then changed through the mount (another descriptor's close, a
// truncate by path) and then unlinked or renamed over reads the changed
// file, not EIO and not the old bytes.
func TestOpenDescriptorsKeepTheirFile(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)

	t.Run("written, unlinked, writer closed", func(t *testing.T) {
		f := m.Path("repro")
		w, err := os.OpenFile(f, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		data := bytes.Repeat([]byte("0123456789"), 433)[:4321]
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("close of the writer: %v", err)
		}
		checkHeld(t, r, data)
		if keys := listKeys(t, srv.SDK(), bucket); len(keys) != 0 {
			t.Errorf("the bucket holds %q, want nothing", keys)
		}
	})

	orig := bytes.Repeat([]byte("a"), 300_000)
	rewritten := bytes.Repeat([]byte("b"), 200_000)
	for _, change := range []string{"another descriptor's close", "truncate by path"} {
		for _, removal := range []string{"unlink", "rename over"} {
			t.Run(change+", then "+removal, func(t *testing.T) {
				f := m.Path("changed")
				if err := os.WriteFile(f, orig, 0o644); err != nil {
					t.Fatal(err)
				}
				r, err := os.Open(f)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if _, err := r.ReadAt(make([]byte, 4096), 0); err != nil {
					t.Fatalf("first read: %v", err)
				}
				want := rewritten
				if change == "truncate by path" {
					want = orig[:100_000]
					if err := os.Truncate(f, int64(len(want))); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(f, rewritten, 0o644); err != nil {
					t.Fatal(err)
				}
				if removal == "unlink" {
					if err := os.Remove(f); err != nil {
						t.Fatal(err)
					}
				} else {
					other := m.Path("other")
					if err := os.WriteFile(other, []byte("other"), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Rename(other, f); err != nil {
						t.Fatal(err)
					}
					defer os.Remove(f)
				}
				checkHeld(t, r, want)
			})
		}
	}
}

// checkHeld fails t unless the open file r has want as its size and
// content.
func checkHeld(t *testing.T, r *os.File, want []byte) {
	t.Helper()
	st, err := r.Stat()
	if err != nil {
		t.Fatalf("fstat: %v", err)
	}
	if st.Size() != int64(len(want)) {
		t.Errorf("fstat: size %d, want %d", st.Size(), len(want))
	}
	got := make([]byte, len(want)+100)
	n, err := r.ReadAt(got, 0)
	if n != len(want) || !bytes.Equal(got[:n], want) {
		t.Errorf("pread: %d bytes (%v), want the %d bytes the file held", n, err, len(want))
	}
}

// TestRenameDirOverNonEmpty: rename(dir, other) over a directory that is
// not empty gives ENOTEMPTY, also when its only entry is a file still
// being created through the mount; nothing moves, and the created file
// lands alone in its directory once closed.
func TestRenameDirOverNonEmpty(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	for _, d := range []string{"a", "full", "creating"} {
		if err := os.Mkdir(m.Path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/x", "full/y"} {
		if err := os.WriteFile(m.Path(f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// syscall.Rename: os.Rename refuses a directory target itself (EEXIST).
	if err := syscall.Rename(m.Path("a"), m.Path("full")); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("rename over a directory holding a file: %v, want ENOTEMPTY", err)
	}
	w, err := os.Create(m.Path("creating", "new"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("being created"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Rename(m.Path("a"), m.Path("creating")); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("rename over a directory whose only entry is being created: %v, want ENOTEMPTY", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"a/", "a/x", "creating/", "creating/new", "full/", "full/y"}
	if got := listKeys(t, srv.SDK(), bucket); !slices.Equal(got, want) {
		t.Errorf("the bucket holds %q, want %q", got, want)
	}
	if got := readDirNames(t, m.Path("creating")); !slices.Equal(got, []string{"new"}) {
		t.Errorf("creating/ lists %q, want only new", got)
	}
}

// TestConnectorsNameErrnos: on a connectors mount a 256-byte name gives
// ENAMETOOLONG, as on a plain mount and a local file system (it was
// ENOENT: no pattern matches such a name), and a name with a backslash is
// an ordinary name.
func TestConnectorsNameErrnos(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "out/seed.txt", []byte("seed"))
	ep := serverEndpoint(srv)
	yaml := connectorsYAML(connectorYAML{Label: "rw", Endpoint: srv.Endpoint, Access: "readwrite",
		Paths: []string{bucket + "/out/*"},
		Creds: "    credentials_env: {access_key: IT_KEEP_KEY, secret_key: IT_KEEP_SECRET}\n"})
	m := mountConnectors(t, ep, yaml, []string{"IT_KEEP_KEY=" + srv.AccessKey, "IT_KEEP_SECRET=" + srv.SecretKey},
		"--log-file", filepath.Join(t.TempDir(), "objfs.log"))
	plain := mount(t, "s3://"+bucket)
	long := strings.Repeat("n", 256)
	for _, dir := range []string{m.Path("rw", bucket, "out"), plain.Path("out")} {
		p := filepath.Join(dir, long)
		if _, err := os.Stat(p); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("stat of a 256-byte name in %s: %v, want ENAMETOOLONG", dir, err)
		}
		if err := os.WriteFile(p, nil, 0o644); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("create of a 256-byte name in %s: %v, want ENAMETOOLONG", dir, err)
		}
		if err := os.Mkdir(p, 0o755); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("mkdir of a 256-byte name in %s: %v, want ENAMETOOLONG", dir, err)
		}
	}
	dir := m.Path("rw", bucket, "out")
	if err := os.WriteFile(filepath.Join(dir, `a\b`), []byte("backslash"), 0o644); err != nil {
		t.Fatalf(`create a\b: %v`, err)
	}
	if err := os.Rename(filepath.Join(dir, `a\b`), filepath.Join(dir, `c\d`)); err != nil {
		t.Fatalf(`rename a\b to c\d: %v`, err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, `c\d`)); err != nil || string(got) != "backslash" {
		t.Errorf(`read c\d: %q, %v`, got, err)
	}
	if err := os.Mkdir(filepath.Join(dir, `e\f`), 0o755); err != nil {
		t.Errorf(`mkdir e\f: %v`, err)
	}
	want := []string{"out/c\\d", "out/e\\f/", "out/seed.txt"}
	if got := listKeys(t, srv.SDK(), bucket); !slices.Equal(got, want) {
		t.Errorf("the bucket holds %q, want %q", got, want)
	}
}
