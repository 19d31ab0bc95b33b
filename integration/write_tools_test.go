//go:build linux

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// TestWriteTar: tar xf of a 500-file archive into the mount, then tar cf
// of what the mount shows, gives the same listing (names, kinds, and for
// files mode, size and mtime) and the same contents.
func TestWriteTar(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	work := t.TempDir()
	src := filepath.Join(work, "src")
	files := makeTree(t, src, 500)
	mustRun(t, "tar", "cf", filepath.Join(work, "in.tar"), "-C", src, ".")
	mustRun(t, "mkdir", m.Path("x"))
	mustRun(t, "tar", "xf", filepath.Join(work, "in.tar"), "-C", m.Path("x"))
	mustRun(t, "tar", "cf", filepath.Join(work, "out.tar"), "-C", m.Path("x"), ".")
	in, out := tarListing(t, filepath.Join(work, "in.tar")), tarListing(t, filepath.Join(work, "out.tar"))
	if !slices.Equal(in, out) {
		t.Fatalf("tar listings differ:\n in  %d lines, e.g. %q\n out %d lines, e.g. %q", len(in), first(in, out), len(out), first(out, in))
	}
	back := filepath.Join(work, "back")
	mustRun(t, "mkdir", back)
	mustRun(t, "tar", "xf", filepath.Join(work, "out.tar"), "-C", back)
	mustRun(t, "diff", "-r", src, back)
	if n := len(listKeys(t, srv.SDK(), bucket)); n < len(files) {
		t.Fatalf("S3 holds %d keys for %d files", n, len(files))
	}
}

// tarListing lists an archive verbosely, as sorted lines: directories by
// name only (S3 keeps no directory attributes), files with mode, owner,
// size, mtime and name.
func tarListing(t *testing.T, archive string) []string {
	t.Helper()
	var out []string
	for _, l := range lines(mustRun(t, "tar", "tvf", archive, "--full-time")) {
		f := strings.Fields(l)
		if strings.HasPrefix(l, "d") {
			out = append(out, "dir "+f[len(f)-1])
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// first returns the first line of a that is not in b.
func first(a, b []string) string {
	for _, l := range a {
		if !slices.Contains(b, l) {
			return l
		}
	}
	return ""
}

// TestWriteRsyncAndCp: rsync -a into the mount, then again (on the same
// mount and on a fresh one) transfers no file: sizes and mtimes (kept in
// x-amz-meta-mtime) match; cp -r of a tree copies it whole.
func TestWriteRsyncAndCp(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("rsync"); err != nil {
		// make test requires the tools (OBJFS_REQUIRE_MINIO=1): never a
		// silent skip there.
		if testenv.InCI() || os.Getenv(testenv.EnvRequireMinIO) == "1" {
			t.Fatal("rsync not installed: apt-get install -y rsync")
		}
		t.Skip("rsync not installed: apt-get install -y rsync")
	}
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src, 150)
	first := mustRun(t, "rsync", "-a", "--stats", src+"/", m.Path("r")+"/")
	if n := transferred(t, first); n != 150 {
		t.Fatalf("first rsync transferred %d files, want 150", n)
	}
	mustRun(t, "diff", "-r", src, m.Path("r"))
	if n := transferred(t, mustRun(t, "rsync", "-a", "--stats", src+"/", m.Path("r")+"/")); n != 0 {
		t.Fatalf("second rsync on the same mount transferred %d files, want 0", n)
	}
	fresh := mount(t, "s3://"+bucket)
	if n := transferred(t, mustRun(t, "rsync", "-a", "--stats", src+"/", fresh.Path("r")+"/")); n != 0 {
		t.Fatalf("rsync on a fresh mount transferred %d files, want 0", n)
	}

	mustRun(t, "cp", "-r", src, m.Path("copy"))
	mustRun(t, "diff", "-r", src, m.Path("copy"))
	mustRun(t, "diff", "-r", src, fresh.Path("copy"))
}

// transferred reads "Number of regular files transferred: N" from rsync
// --stats output.
func transferred(t *testing.T, stats string) int {
	t.Helper()
	for _, l := range lines(stats) {
		if v, ok := strings.CutPrefix(l, "Number of regular files transferred: "); ok {
			n := 0
			for _, c := range strings.ReplaceAll(v, ",", "") {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	t.Fatalf("no transfer count in rsync output:\n%s", stats)
	return -1
}
