//go:build linux

package integration

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// TestServerRestart: MinIO stops and is back a few seconds later while a
// read of an uncached file, a listing and a write wait for it: each
// succeeds, as a restart of the server must not fail calls (before, they
// gave EIO after about a second of retries).
func TestServerRestart(t *testing.T) {
	t.Parallel()
	testenv.RequireFUSE(t)
	srv := testenv.NewMinIO(t)
	bucket := srv.NewBucket(t)
	data := randomBytes(31, 4<<20)
	putObject(t, srv.SDK(), bucket, "cold/data.bin", data)
	putObject(t, srv.SDK(), bucket, "dir/a", []byte("a"))
	m := mountVia(t, serverEndpoint(srv), "s3://"+bucket)

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		restarted <- srv.Start()
	}()
	var wg sync.WaitGroup
	var readErr, listErr, writeErr error
	var got []byte
	var entries []os.DirEntry
	wg.Add(3)
	go func() { defer wg.Done(); got, readErr = os.ReadFile(m.Path("cold", "data.bin")) }()
	go func() { defer wg.Done(); entries, listErr = os.ReadDir(m.Path("dir")) }()
	go func() { defer wg.Done(); writeErr = os.WriteFile(m.Path("new.txt"), []byte("written"), 0o644) }()
	wg.Wait()
	if err := <-restarted; err != nil {
		t.Fatalf("restart MinIO: %v", err)
	}
	if readErr != nil || !bytes.Equal(got, data) {
		t.Errorf("read across the restart: %d bytes, %v", len(got), readErr)
	}
	if listErr != nil || len(entries) != 1 {
		t.Errorf("listing across the restart: %d entries, %v", len(entries), listErr)
	}
	if writeErr != nil {
		t.Errorf("write across the restart: %v", writeErr)
	}
	if b, ok := getObject(t, srv.SDK(), bucket, "new.txt"); !ok || string(b) != "written" {
		t.Errorf("S3 holds %q (exists %v) after the write", b, ok)
	}
}
