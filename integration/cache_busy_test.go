//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSecondMountOnBusyCacheDirRefused: a second mount with the disk
// cache of a running one (same --cache-dir) is refused at once with one
// line naming the cache directory, leaves nothing mounted, and the first
// mount keeps working.
func TestSecondMountOnBusyCacheDirRefused(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "a.txt", []byte("first\n"))
	cacheDir := t.TempDir()
	args := []string{"--cache-dir", cacheDir, "--cache-disk-size", "64M"}
	m := mount(t, "s3://"+bucket, args...)

	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ep := serverEndpoint(srv)
	res := runFailingMount(t, ep, "s3://"+bucket, dir, args...)
	checkRefusal(t, res, []string{"cache-dir", "cache dir"}, ep.SecretKey)

	got, err := os.ReadFile(m.Path("a.txt"))
	if err != nil || string(got) != "first\n" {
		t.Fatalf("the first mount after the refusal: %q, %v", got, err)
	}
}
