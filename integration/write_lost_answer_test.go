//go:build linux

package integration

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// TestWriteLostCompleteAnswer: the proxy lets MinIO complete a large
// file's multipart upload and then drops the answer. objfs's retry finds
// the upload gone; the object there is its own, so cp's close succeeds,
// the object has the file's bytes and no upload is left behind.
func TestWriteLostCompleteAnswer(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	proxy := startCountingProxy(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	m := mountVia(t, ep, "s3://"+bucket)
	src, sum := writeRandomFile(t, t.TempDir(), "big.bin", 41, 20<<20) // three 8 MiB parts
	lost := proxy.LoseAnswers(isCompleteMultipart, 1)

	mustRun(t, "cp", src, m.Path("big.bin"))

	if n := lost(); n != 1 {
		t.Fatalf("%d CompleteMultipartUpload answers lost, want 1 (was the file uploaded in parts?): %v", n, proxy.Seen())
	}
	if got, size := objectMD5(t, srv.SDK(), bucket, "big.bin"); got != sum || size != 20<<20 {
		t.Fatalf("object md5 %s size %d, want %s and %d", got, size, sum, 20<<20)
	}
	if ups := multipartUploads(t, srv.SDK(), bucket); len(ups) != 0 {
		t.Errorf("incomplete multipart uploads left: %q", ups)
	}
	if sum2 := md5sumOf(t, m.Path("big.bin")); sum2 != sum {
		t.Errorf("read back through the mount: md5 %s, want %s", sum2, sum)
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
	proxy := startCountingProxy(t, srv.Endpoint)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
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
