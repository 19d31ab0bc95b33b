//go:build linux

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCopyIntoNewDirRequests: cp -r of 60 small files into a new
// directory through the real binary and MinIO costs a PUT per file and
// only a few lookups in S3 (the first names are probed, then one listing
// page answers the missing names), every file arrives, and the directory
// still is no listing: an object another client writes in it right after
// is listed by ls at once and rm -rf removes everything.
func TestCopyIntoNewDirRequests(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep, proxy := proxiedEndpoint(t, srv)
	m := mountVia(t, ep, "s3://"+bucket)
	src := filepath.Join(t.TempDir(), "tree")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	const files = 60
	for i := range files {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("c%03d", i)), []byte(fmt.Sprintf("file %d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "ls", m.Dir)
	proxy.Reset()
	mustRun(t, "cp", "-r", src, filepath.Join(m.Dir, "copy"))
	counts := proxy.Counts()
	t.Logf("cp -r of %d files into a new directory: requests %v", files, counts)
	// Before: a probe per file (two HEADs and a one-key listing). Now the
	// first names are probed, then a page is listed per --stat-ttl; the
	// lookup of "copy" itself is a probe too. cp runs within seconds, so
	// allow a few renewals.
	if n := counts[reqHeadObject]; n > 12 {
		t.Errorf("%d HEADs for cp -r of %d files, want the first few names only", n, files)
	}
	if n := counts[reqList]; n > 10 {
		t.Errorf("%d listings for cp -r of %d files, want the first probes and a page per --stat-ttl", n, files)
	}
	keys := listKeys(t, srv.SDK(), bucket)
	for i := range files {
		if !slices.Contains(keys, fmt.Sprintf("copy/c%03d", i)) {
			t.Fatalf("copy/c%03d not in S3 after cp -r (keys %v)", i, keys)
		}
	}
	putObject(t, srv.SDK(), bucket, "copy/theirs", []byte("another client's"))
	if out := mustRun(t, "ls", filepath.Join(m.Dir, "copy")); !slices.Contains(strings.Fields(out), "theirs") {
		t.Fatalf("ls of the new directory misses another client's object:\n%s", out)
	}
	mustRun(t, "rm", "-rf", filepath.Join(m.Dir, "copy"))
	if keys := listKeys(t, srv.SDK(), bucket); len(keys) != 0 {
		t.Fatalf("after rm -rf: %v left in S3", keys)
	}
}
