//go:build linux

package integration

import (
	"os"
	"testing"
	"time"
)

// TestAsOfKeyWithManyVersions: a key overwritten more than a versions
// page (1000) times since the instant is still found and read as of the
// instant by a lookup that no listing came before (MinIO's key markers
// are not keys: "KEY[minio_cache:…]").
func TestAsOfKeyWithManyVersions(t *testing.T) {
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	v1 := []byte("the version of the instant\n")
	putObject(t, sdk, bucket, "k", v1)
	at := instant()
	for range 1005 {
		putObject(t, sdk, bucket, "k", []byte("later\n"))
	}
	m := mount(t, "s3://"+bucket, "--as-of", at.UTC().Format(time.RFC3339Nano))
	got, err := os.ReadFile(m.Path("k"))
	if err != nil {
		t.Fatalf("read k as of the instant: %v", err)
	}
	if string(got) != string(v1) {
		t.Fatalf("read %q, want %q", got, v1)
	}
}
