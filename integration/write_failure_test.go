//go:build linux

package integration

import (
	"os"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// closeBound is how long close may take to report a failed upload with the
// server down: a few retried requests, each failing fast (connection
// refused), with backoff.
const closeBound = 90 * time.Second

// TestWriteServerDown: MinIO stops in the middle of a large write. The
// write or the close fails within a bounded time (never a silent
// success), and once MinIO is back no object is under the key and no
// incomplete multipart upload is left (the abort is retried until the
// server answers).
func TestWriteServerDown(t *testing.T) {
	t.Parallel()
	testenv.RequireFUSE(t)
	srv := testenv.NewMinIO(t)
	bucket := srv.NewBucket(t)
	m := mountVia(t, serverEndpoint(srv), "s3://"+bucket)
	f, err := os.Create(m.Path("doomed.bin"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := randomBytes(9, 1<<20)
	for range 40 { // five parts uploaded or uploading
		if _, err := f.Write(chunk); err != nil {
			t.Fatalf("write with the server up: %v", err)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var werr error
	for i := 0; i < 200 && werr == nil; i++ {
		_, werr = f.Write(chunk)
	}
	cerr := f.Close()
	took := time.Since(start)
	t.Logf("server down: write error %v; close error %v after %v", werr, cerr, took.Round(time.Millisecond))
	if cerr == nil {
		t.Fatal("close succeeded although the upload could not complete")
	}
	if took > closeBound {
		t.Fatalf("the failure took %v to report (bound %v)", took, closeBound)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if _, ok := getObject(t, srv.SDK(), bucket, "doomed.bin"); ok {
		t.Fatal("an object appeared under the key of the failed upload")
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		ups := multipartUploads(t, srv.SDK(), bucket)
		if len(ups) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("incomplete multipart uploads left: %q", ups)
		}
		time.Sleep(time.Second)
	}
	if keys := listKeys(t, srv.SDK(), bucket); len(keys) != 0 {
		t.Fatalf("keys in the bucket: %q", keys)
	}
}
