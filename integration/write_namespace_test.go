//go:build linux

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestWriteNamespace: rm -rf of a 1,000-object tree, mv of a file and of
// a directory of 100 files, mkdir and rmdir of empty and non-empty
// directories, each checked in S3.
func TestWriteNamespace(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	objs := map[string][]byte{}
	for i := range 1000 {
		objs[fmt.Sprintf("tree/d%d/s%d/f%04d", i%10, i%7, i)] = []byte{byte(i)}
	}
	for i := range 100 {
		objs[fmt.Sprintf("src/f%03d", i)] = []byte(fmt.Sprint("content ", i))
	}
	objs["src/"] = nil
	objs["a/file.txt"] = []byte("moving file")
	putMany(t, sdk, bucket, objs, 16)
	m := mount(t, "s3://"+bucket)
	under := func(prefix string) []string {
		var out []string
		for _, k := range listKeys(t, sdk, bucket) {
			if strings.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		return out
	}

	mustRun(t, "rm", "-rf", m.Path("tree"))
	if left := under("tree/"); len(left) != 0 {
		t.Fatalf("rm -rf left %d keys, e.g. %q", len(left), left[0])
	}
	if _, err := os.Stat(m.Path("tree")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("tree after rm -rf: %v", err)
	}

	mustRun(t, "mkdir", m.Path("b"))
	mustRun(t, "mv", m.Path("a", "file.txt"), m.Path("b", "moved.txt"))
	if got, ok := getObject(t, sdk, bucket, "b/moved.txt"); !ok || string(got) != "moving file" {
		t.Fatalf("moved file: %q %v", got, ok)
	}
	if _, ok := getObject(t, sdk, bucket, "a/file.txt"); ok {
		t.Fatal("the moved file's old key is still there")
	}

	mustRun(t, "mv", m.Path("src"), m.Path("dst"))
	if left := under("src/"); len(left) != 0 {
		t.Fatalf("mv of a directory left %d old keys", len(left))
	}
	if got := under("dst/"); len(got) != 101 {
		t.Fatalf("mv of a directory: %d keys under dst/, want 100 files and the marker", len(got))
	}
	for i := range 100 {
		k := fmt.Sprintf("dst/f%03d", i)
		if got, _ := getObject(t, sdk, bucket, k); !bytes.Equal(got, objs[fmt.Sprintf("src/f%03d", i)]) {
			t.Fatalf("%s holds %q", k, got)
		}
	}
	if n := len(lines(mustRun(t, "ls", m.Path("dst")))); n != 100 {
		t.Fatalf("ls of the moved directory: %d entries", n)
	}

	mustRun(t, "mkdir", m.Path("empty"))
	if _, ok := getObject(t, sdk, bucket, "empty/"); !ok {
		t.Fatal("mkdir wrote no marker")
	}
	if err := syscall.Rmdir(m.Path("dst")); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Fatalf("rmdir of a non-empty directory: %v, want ENOTEMPTY", err)
	}
	mustRun(t, "rmdir", m.Path("empty"))
	if _, ok := getObject(t, sdk, bucket, "empty/"); ok {
		t.Fatal("rmdir left the marker")
	}
}

// TestWriteBucketsAtRoot: at the root of s3://, mkdir creates a bucket
// and rmdir deletes it once empty (ENOTEMPTY before).
func TestWriteBucketsAtRoot(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	name := strings.ToLower(fmt.Sprintf("t-wb-root-%s", randomHexName()))
	t.Cleanup(func() { deleteBucketQuietly(srv.SDK(), name) })
	m := mount(t, "s3://")
	mustRun(t, "mkdir", m.Path(name))
	if !slices.Contains(listBuckets(t, srv.SDK()), name) {
		t.Fatalf("mkdir at the root created no bucket %s", name)
	}
	if err := os.WriteFile(m.Path(name, "obj"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Rmdir(m.Path(name)); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Fatalf("rmdir of a non-empty bucket: %v", err)
	}
	mustRun(t, "rm", m.Path(name, "obj"))
	mustRun(t, "rmdir", m.Path(name))
	if slices.Contains(listBuckets(t, srv.SDK()), name) {
		t.Fatal("rmdir at the root left the bucket")
	}
	if err := os.WriteFile(m.Path("file-at-root"), nil, 0o644); !errors.Is(err, syscall.EPERM) {
		t.Fatalf("a file at the root: %v, want EPERM", err)
	}
}
