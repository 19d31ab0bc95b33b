//go:build linux

package integration

import (
	"maps"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// TestMountEmptyBucket: the harness itself works: a bucket mounts, lists
// empty, and unmounts cleanly on SIGTERM.
func TestMountEmptyBucket(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	if out := mustRun(t, "ls", "-A", m.Dir); out != "" {
		t.Fatalf("ls of an empty bucket printed %q", out)
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	if mountedAt(m.Dir) {
		t.Fatal("still mounted after Unmount")
	}
}

// TestCountingProxy: the proxy forwards signed SDK requests and names each
// S3 operation right, so request counts in other tests mean what they say.
func TestCountingProxy(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	p := startCountingProxy(t, srv.Endpoint)
	c := testenv.NewS3Client(p.URL, srv.AccessKey, srv.SecretKey, srv.Region)
	putObject(t, c, bucket, "dir/a b+c.txt", []byte("abc"))
	headETag(t, c, bucket, "dir/a b+c.txt")
	if got := getRange(t, c, bucket, "dir/a b+c.txt", 1, 2); string(got) != "bc" {
		t.Fatalf("ranged get through the proxy: %q", got)
	}
	listKeys(t, c, bucket)
	listBuckets(t, c)
	want := map[string]int{reqOther: 1, reqHeadObject: 1, reqGetObject: 1, reqList: 1, reqListBuckets: 1}
	if got := p.Counts(); !maps.Equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	p.Reset()
	if got := p.Counts(); len(got) != 0 {
		t.Fatalf("after Reset: %v", got)
	}
}
