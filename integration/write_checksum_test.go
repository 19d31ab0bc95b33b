//go:build linux

package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestWriteChecksumIgnored: through a proxy that strips x-amz-checksum-*
// from MinIO's answers (a server that ignores flexible checksums), the
// first file written goes out with CRC32C and an unsigned payload, its
// answer lacks the echo, and the mount switches once: later small files
// and every part of a large one carry Content-MD5 and a signed payload,
// uploads declare no CRC32C, all the files arrive intact, and the log
// warns once. Without the stripping, and with --checksum md5, the mount
// starts in its mode and keeps it.
func TestWriteChecksumIgnored(t *testing.T) {
	srv := requireMountable(t)
	for _, tc := range []struct {
		name      string
		strip     bool
		args      []string
		first     uploadSeen // the first PutObject
		later     uploadSeen // every later PutObject and UploadPart
		algorithm string     // of the large file's CreateMultipartUpload
		warnings  int
	}{
		{"ignoring server", true, nil, crc32cSeen("PutObject"), md5Seen, "", 1},
		{"verifying server", false, nil, crc32cSeen("PutObject"), crc32cSeen(""), "CRC32C", 0},
		{"md5 mode", true, []string{"-o", "checksum=md5"}, md5Seen.as("PutObject"), md5Seen, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			proxy := startCountingProxy(t, srv.Endpoint)
			if tc.strip {
				proxy.StripChecksums()
			}
			ep := serverEndpoint(srv)
			ep.URL = proxy.URL
			m := mountVia(t, ep, "s3://"+bucket, tc.args...)
			dir := t.TempDir()
			var sums []string
			for i := range 3 {
				name := fmt.Sprintf("small%d", i)
				src, sum := writeRandomFile(t, dir, name, uint64(60+i), 100<<10)
				mustRun(t, "cp", src, m.Path(name))
				sums = append(sums, sum)
			}
			const size = 20 << 20 // three 8 MiB parts
			src, sum := writeRandomFile(t, dir, "big", 70, size)
			mustRun(t, "cp", src, m.Path("big"))

			ups := proxy.Uploads()
			if len(ups) < 7 || ups[0] != tc.first {
				t.Fatalf("first write %+v, want %+v; all: %+v", ups[0], tc.first, ups)
			}
			for _, u := range ups[1:] {
				switch {
				case u.Kind == "CreateMultipartUpload" && u.Algorithm != tc.algorithm:
					t.Errorf("upload declares %q, want %q", u.Algorithm, tc.algorithm)
				case u.Kind != "CreateMultipartUpload" && u != tc.later.as(u.Kind):
					t.Errorf("later write %+v, want %+v", u, tc.later.as(u.Kind))
				}
			}
			for i, want := range sums {
				if got, _ := objectMD5(t, srv.SDK(), bucket, fmt.Sprintf("small%d", i)); got != want {
					t.Errorf("small%d: md5 %s, want %s", i, got, want)
				}
			}
			if got, n := objectMD5(t, srv.SDK(), bucket, "big"); got != sum || n != size {
				t.Errorf("big: md5 %s size %d, want %s and %d", got, n, sum, size)
			}
			if err := m.Unmount(); err != nil {
				t.Fatal(err)
			}
			log, _ := os.ReadFile(m.LogPath)
			if n := strings.Count(string(log), "ignores x-amz-checksum-crc32c"); n != tc.warnings {
				t.Errorf("%d warnings about the checksum, want %d", n, tc.warnings)
			}
		})
	}
}

// crc32cSeen is a write of kind sent with CRC32C and an unsigned payload.
func crc32cSeen(kind string) uploadSeen { return uploadSeen{Kind: kind, CRC32C: true} }

// md5Seen is a write sent with Content-MD5 and a signed payload.
var md5Seen = uploadSeen{MD5: true, Signed: true}

// as returns u for requests of kind.
func (u uploadSeen) as(kind string) uploadSeen {
	u.Kind = kind
	return u
}
