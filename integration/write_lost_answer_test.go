//go:build linux

package integration

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// TestWriteLostCompleteAnswer: the proxy lets MinIO complete a large
// file's multipart upload and then drops the answer. The retry is refused
// by the upload's own completion: 412 for a new file (cp creates it with
// O_EXCL, so the completion carries If-None-Match), NoSuchUpload when cp
// replaces it. The object there is objfs's own, so cp's close succeeds,
// the object has the file's bytes and no upload is left behind.
func TestWriteLostCompleteAnswer(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	dir := t.TempDir()
	for i, what := range []string{"new file", "replaced file"} {
		const size = 20 << 20 // three 8 MiB parts
		src, sum := writeRandomFile(t, dir, fmt.Sprint(i), uint64(41+i), size)
		lost := proxy.LoseAnswers(isCompleteMultipart, 1)

		mustRun(t, "cp", src, m.Path("big.bin"))

		if n := lost(); n != 1 {
			t.Fatalf("%s: %d CompleteMultipartUpload answers lost, want 1 (was it uploaded in parts?): %v", what, n, proxy.Seen())
		}
		if got, n := objectMD5(t, srv.SDK(), bucket, "big.bin"); got != sum || n != size {
			t.Fatalf("%s: object md5 %s size %d, want %s and %d", what, got, n, sum, size)
		}
		if ups := multipartUploads(t, srv.SDK(), bucket); len(ups) != 0 {
			t.Errorf("%s: incomplete multipart uploads left: %q", what, ups)
		}
		if got := md5sumOf(t, m.Path("big.bin")); got != sum {
			t.Errorf("%s: read back through the mount: md5 %s, want %s", what, got, sum)
		}
	}
}

// TestWriteLostExclusiveAnswer: an O_CREAT|O_EXCL create uploads at close
// with If-None-Match: *; the proxy drops the answer after MinIO stored the
// object, so the retry is refused (412) by the create's own object. The
// close succeeds, the object holds the bytes, and a second exclusive
// create of the name still fails with EEXIST.
func TestWriteLostExclusiveAnswer(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	lost := proxy.LoseAnswers(isConditionalPut, 1)

	f, err := os.OpenFile(m.Path("lock"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("pid 4242\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close of an exclusive create whose answer was lost: %v (lost %d)", err, lost())
	}
	if n := lost(); n != 1 {
		t.Fatalf("%d conditional PUT answers lost, want 1: %v", n, proxy.Seen())
	}
	if body, ok := getObject(t, srv.SDK(), bucket, "lock"); !ok || string(body) != "pid 4242\n" {
		t.Fatalf("object: %q (exists %v)", body, ok)
	}
	_, err = os.OpenFile(m.Path("lock"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if !errors.Is(err, syscall.EEXIST) {
		t.Errorf("second exclusive create: %v, want EEXIST", err)
	}
}
