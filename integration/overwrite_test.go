//go:build linux

package integration

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

const (
	ttlFlag   = "1s"                    // --stat-ttl and --list-ttl of these tests
	ttlWait   = 2500 * time.Millisecond // past the TTL, with a margin
	overwrite = 48 << 20                // object size: far reads are never prefetched
)

// TestOverwriteWhileOpen: an object overwritten in S3 while open gives EIO
// on the next read that is not served from cache, and never bytes of the
// new version mixed into the old; after the TTL a new open reads the new
// content, and a new size.
func TestOverwriteWhileOpen(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	oldData, newData := randomBytes(20, overwrite), randomBytes(21, overwrite)
	putObject(t, srv.SDK(), bucket, "obj.bin", oldData)
	m := mount(t, "s3://"+bucket, "--stat-ttl", ttlFlag, "--list-ttl", ttlFlag)

	f, err := os.Open(m.Path("obj.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.Equal(head, oldData[:4096]) {
		t.Fatalf("first read: err %v, equal to the object: %v", err, bytes.Equal(head, oldData[:4096]))
	}
	putObject(t, srv.SDK(), bucket, "obj.bin", newData)

	eio := 0
	for _, off := range []int64{40 << 20, 44 << 20, overwrite - 8192} {
		buf := make([]byte, 8192)
		n, err := f.ReadAt(buf, off)
		switch {
		case errors.Is(err, syscall.EIO):
			eio++
		case err != nil:
			t.Errorf("read at %d after the overwrite: %v, want EIO", off, err)
		case !bytes.Equal(buf[:n], oldData[off:off+int64(n)]):
			t.Errorf("read at %d after the overwrite returned bytes that are not the opened version's "+
				"(new version's: %v)", off, bytes.Equal(buf[:n], newData[off:off+int64(n)]))
		}
	}
	t.Logf("%d of 3 far reads after the overwrite gave EIO", eio)
	if eio == 0 {
		t.Error("no far read after the overwrite failed with EIO: reads are not pinned to the ETag seen at open")
	}
	f.Close()

	time.Sleep(ttlWait)
	if sum, want := md5sumOf(t, m.Path("obj.bin")), md5hex(newData); sum != want {
		t.Errorf("new open %v after the overwrite: md5 %s, want the new content's %s", ttlWait, sum, want)
	}

	smaller := []byte("a much smaller third version\n")
	putObject(t, srv.SDK(), bucket, "obj.bin", smaller)
	time.Sleep(ttlWait)
	if size := strings.TrimSpace(mustRun(t, "stat", "-c", "%s", m.Path("obj.bin"))); size != strconv.Itoa(len(smaller)) {
		t.Errorf("stat after the TTL: size %s, want %d", size, len(smaller))
	}
	if got := mustRun(t, "cat", m.Path("obj.bin")); got != string(smaller) {
		t.Errorf("cat after the TTL: %q, want %q", got, smaller)
	}
}

// TestOpenAfterOverwriteReadsNewSize: ls gives the kernel the sizes of a
// listing, which lookups keep answering for --list-ttl; another client
// then overwrites files with longer content. After --stat-ttl, cat opens
// each (a HEAD pins the new version) and must print the whole new
// content, not the new bytes cut at the old size.
func TestOpenAfterOverwriteReadsNewSize(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	for i := range 4 {
		putObject(t, srv.SDK(), bucket, "d/f"+strconv.Itoa(i), []byte("old"))
	}
	m := mount(t, "s3://"+bucket, "--stat-ttl", ttlFlag, "--list-ttl", "10m")
	mustRun(t, "ls", "-l", m.Path("d"))
	for i := range 4 {
		putObject(t, srv.SDK(), bucket, "d/f"+strconv.Itoa(i), []byte("NEW content "+strconv.Itoa(i)))
	}
	time.Sleep(ttlWait)
	for i := range 4 {
		want := "NEW content " + strconv.Itoa(i)
		if got := mustRun(t, "cat", m.Path("d", "f"+strconv.Itoa(i))); got != want {
			t.Errorf("cat d/f%d after the overwrite and --stat-ttl: %q, want %q", i, got, want)
		}
		st, err := os.Stat(m.Path("d", "f"+strconv.Itoa(i)))
		if err != nil || st.Size() != int64(len(want)) {
			t.Errorf("stat d/f%d after cat: %v, %v; want size %d", i, st, err, len(want))
		}
	}
}

// overwrittenAfterListing mounts a bucket holding d/f ("old"), lists d
// (the kernel then holds the listed size for --list-ttl), overwrites d/f
// with "NEW content" from another client and waits out --stat-ttl.
func overwrittenAfterListing(t *testing.T) (*testenv.Server, string, *Mount) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "d/f", []byte("old"))
	m := mount(t, "s3://"+bucket, "--stat-ttl", ttlFlag, "--list-ttl", "10m")
	mustRun(t, "ls", "-l", m.Path("d"))
	putObject(t, srv.SDK(), bucket, "d/f", []byte("NEW content"))
	time.Sleep(ttlWait)
	return srv, bucket, m
}

// TestAppendAfterOverwriteGoesToTheEnd: after ls (the kernel holds the
// listed size) another client overwrites a file with longer content;
// `echo X >> f` after --stat-ttl must append to that content, not write
// at the old size in the middle of it.
func TestAppendAfterOverwriteGoesToTheEnd(t *testing.T) {
	t.Parallel()
	srv, bucket, m := overwrittenAfterListing(t)
	mustRun(t, "sh", "-c", "echo X >> "+m.Path("d", "f"))
	want := "NEW contentX\n"
	if got, _ := getObject(t, srv.SDK(), bucket, "d/f"); string(got) != want {
		t.Errorf("S3 holds %q after the append, want %q", got, want)
	}
	if got := mustRun(t, "cat", m.Path("d", "f")); got != want {
		t.Errorf("cat after the append: %q, want %q", got, want)
	}
}

// TestReadWriteOpenAfterOverwriteSeesNewSize: after ls (the kernel holds
// the listed size) another client overwrites a file with longer content;
// an O_RDWR open after --stat-ttl must report the new size to fstat and
// lseek(SEEK_END), and a write there must land after the new content.
func TestReadWriteOpenAfterOverwriteSeesNewSize(t *testing.T) {
	t.Parallel()
	srv, bucket, m := overwrittenAfterListing(t)
	f, err := os.OpenFile(m.Path("d", "f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() != int64(len("NEW content")) {
		t.Errorf("fstat of the O_RDWR open: %v, %v; want size %d", st, err, len("NEW content"))
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil || end != int64(len("NEW content")) {
		t.Errorf("lseek(SEEK_END) of the O_RDWR open: %d, %v; want %d", end, err, len("NEW content"))
	}
	if _, err := f.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := "NEW content!"
	if got, _ := getObject(t, srv.SDK(), bucket, "d/f"); string(got) != want {
		t.Errorf("S3 holds %q after the write at SEEK_END, want %q", got, want)
	}
}
