//go:build linux

package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestWriteCopy: cp of 1 MiB and 100 MiB files into the mount stores
// identical bytes (md5 of what S3 returns), the small one with one
// PutObject, the large one as a multipart object of 8 MiB parts; each
// carries x-amz-meta-mtime, and the mount shows the new files at once.
func TestWriteCopy(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	local := t.TempDir()
	for i, c := range []struct {
		name  string
		size  int64
		parts string // ETag suffix: "" for a single PUT
	}{
		{"one-mib.bin", 1 << 20, ""},
		{"dir/hundred-mib.bin", 100 << 20, "-13"},
	} {
		src, sum := writeRandomFile(t, local, fmt.Sprint("src", i), uint64(1000+i), c.size)
		if i == 1 {
			mustRun(t, "mkdir", m.Path("dir"))
		}
		mustRun(t, "cp", src, m.Path(c.name))
		if got, n := objectMD5(t, srv.SDK(), bucket, c.name); got != sum || n != c.size {
			t.Errorf("%s: S3 holds %d bytes, md5 %s; want %d, %s", c.name, n, got, c.size, sum)
		}
		etag, meta := headMeta(t, srv.SDK(), bucket, c.name)
		if c.parts == "" && strings.Contains(etag, "-") || c.parts != "" && !strings.HasSuffix(etag, c.parts) {
			t.Errorf("%s: ETag %s, want parts %q", c.name, etag, c.parts)
		}
		if meta["mtime"] == "" {
			t.Errorf("%s: no x-amz-meta-mtime (metadata %v)", c.name, meta)
		}
		st, err := os.Stat(m.Path(c.name))
		if err != nil || st.Size() != c.size {
			t.Errorf("%s: stat through the mount: %v %v", c.name, st, err)
		}
		if c.size == 1<<20 {
			mustRun(t, "cmp", src, m.Path(c.name)) // read back through the mount
		}
	}
}
