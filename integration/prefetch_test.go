//go:build linux

package integration

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPrefetchSequentialCat: md5sum over a directory's files in listing
// order (one reader, as cat or tar c) gets files whose first block the
// data-loader prefetch fetched before their open: objfs status reports
// hits, every md5 is right, and no file is fetched twice.
func TestPrefetchSequentialCat(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const files, size = 40, 128 << 10
	want := map[string]string{}
	for i := range files {
		name := fmt.Sprintf("f%03d.bin", i)
		data := randomBytes(uint64(700+i), size)
		putObject(t, srv.SDK(), bucket, "ds/"+name, data)
		sum := md5.Sum(data)
		want[name] = hex.EncodeToString(sum[:])
	}
	m := mount(t, "s3://"+bucket, "--prefetch-files", "8")
	dir := filepath.Join(m.Dir, "ds")
	names := make([]string, 0, files)
	for n := range want {
		names = append(names, filepath.Join(dir, n))
	}
	sort.Strings(names) // listing order
	cmd := exec.Command("md5sum", names...)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	mustRun(t, "ls", dir) // the listing a program's readdir takes (md5sum dir/* after the shell's glob)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("md5sum: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		sum, path, ok := strings.Cut(line, "  ")
		if !ok || want[filepath.Base(path)] != sum {
			t.Fatalf("md5sum line %q: want %s", line, want[filepath.Base(path)])
		}
		delete(want, filepath.Base(path))
	}
	if len(want) != 0 {
		t.Fatalf("md5sum did not read %d files", len(want))
	}
	s := statusOf(t, m.Dir)
	p := s.Cache.Prefetch
	t.Logf("prefetch: %+v; requests %v", p, s.Requests)
	if p.Issued == 0 || p.Hits == 0 {
		t.Fatalf("prefetch %+v after a sequential read of %d files: want files issued and hits", p, files)
	}
	if p.Hits+p.Wasted > p.Issued {
		t.Fatalf("prefetch %+v: more hits and wasted than issued", p)
	}
	if gets := s.Requests["GetObject"]["2xx"]; gets != files {
		t.Fatalf("%d GETs for %d files of one block each: want one per file (a prefetched block fetched again, or one missing)", gets, files)
	}
}
