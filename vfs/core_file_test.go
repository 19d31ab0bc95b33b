package vfs

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// TestCoreCreateWriteFlushRead: create, write and flush put the bytes in
// S3; a lookup finds the file with its size; a read-only open reads the
// bytes back; a second flush with nothing new sends no request.
func TestCoreCreateWriteFlushRead(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	data := pattern(3*testBlock+100, 7)

	f, wh, err := root.Create(ctx, "f", false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, wh, data[:testBlock], 0)
	write(t, wh, data[testBlock:], testBlock)
	if err := wh.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	mustStore(t, c.fake, "f", data)

	before := c.count.Snapshot()
	if err := wh.Flush(ctx); err != nil {
		t.Fatalf("second flush: %v", err)
	}
	if after := c.count.Snapshot(); len(after) != len(before) || c.count.Total() != sum(before) {
		t.Fatalf("a flush with nothing new sent requests: %v, before %v", after, before)
	}
	wh.Release(ctx)

	if got := lookupFile(t, root, "f"); got != f {
		t.Fatal("lookup returned another node than the one created")
	}
	a, err := f.Attr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != int64(len(data)) {
		t.Fatalf("size %d, want %d", a.Size, len(data))
	}
	rh := openRead(t, f)
	defer rh.Release(ctx)
	if got := readAt(t, rh, 0, len(data)); !bytes.Equal(got, data) {
		t.Fatal("read back bytes that differ from those written")
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// TestCoreCreatedFileIsLocalUntilFlushed: a created file is found by
// lookup (with the size written) before anything reached S3, and its
// directory cannot be removed meanwhile (ErrNotEmpty, the marker stays).
func TestCoreCreatedFileIsLocalUntilFlushed(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	d, err := c.fsys.Root().Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	f, wh, err := d.Create(ctx, "f", false)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Release(ctx)
	write(t, wh, pattern(1000, 1), 0)

	if got := lookupFile(t, d, "f"); got != f {
		t.Fatal("lookup of the file being created returned another node")
	}
	if a, err := f.Attr(ctx); err != nil || a.Size != 1000 {
		t.Fatalf("attr %+v, %v; want size 1000", a, err)
	}
	mustNotStore(t, c.fake, "d/f")
	if n := uploads(c.count) - 1; n != 0 { // the marker of d
		t.Fatalf("%d uploads besides the marker before any flush", n)
	}
	if err := c.fsys.Root().Rmdir(ctx, "d"); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("rmdir of a directory with a file being created: %v, want ErrNotEmpty", err)
	}
	mustStore(t, c.fake, "d/", nil)
}

// TestCoreLastReleaseCommits: data written and never flushed is committed
// by the release of the last write handle, not before.
func TestCoreLastReleaseCommits(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	data := pattern(5000, 3)
	f, wh, err := root.Create(ctx, "f", false)
	if err != nil {
		t.Fatal(err)
	}
	second := openWriteH(t, f, syscall.O_WRONLY)
	write(t, wh, data, 0)
	wh.Release(ctx)
	mustNotStore(t, c.fake, "f")
	if got := readWH(t, second, 0, len(data)); !bytes.Equal(got, data) {
		t.Fatal("the other handle does not read what the first wrote")
	}
	second.Release(ctx)
	mustStore(t, c.fake, "f", data)
	if a, err := lookupFile(t, root, "f").Attr(ctx); err != nil || a.Size != int64(len(data)) {
		t.Fatalf("attr after the last release %+v, %v; want size %d", a, err, len(data))
	}
}

// TestCoreUnlinkBeforeFlushNeverUploads: a created file removed before
// its first flush never reaches S3; its handle still writes and reads,
// and its flush and release upload nothing.
func TestCoreUnlinkBeforeFlushNeverUploads(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	_, wh, err := root.Create(ctx, "f", false)
	if err != nil {
		t.Fatal(err)
	}
	first, more := pattern(3000, 5), pattern(2000, 9)
	write(t, wh, first, 0)
	if err := root.Unlink(ctx, "f"); err != nil {
		t.Fatalf("unlink: %v", err)
	}
	mustNotExist(t, root, "f")
	write(t, wh, more, int64(len(first)))
	if got, want := readWH(t, wh, 0, 6000), append(bytes.Clone(first), more...); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes after unlink, want the %d written", len(got), len(want))
	}
	if err := wh.Flush(ctx); err != nil {
		t.Fatalf("flush after unlink: %v", err)
	}
	wh.Release(ctx)
	mustNotStore(t, c.fake, "f")
	if n := uploads(c.count) + c.count.Count(remote.OpUploadPart); n != 0 {
		t.Fatalf("%d uploads of an unlinked file, want none", n)
	}
	mustNotExist(t, root, "f")
}

// TestCoreUnlinkKeepsReaders: a file open for reading when it is removed
// still reads blocks it never read before (objects under keepOnUnlink are
// kept); after its release the name is gone.
func TestCoreUnlinkKeepsReaders(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	data := pattern(4*testBlock, 11)
	put(t, c.fake, "f", data, nil)

	rh := openRead(t, lookupFile(t, root, "f"))
	if got := readAt(t, rh, 0, testBlock); !bytes.Equal(got, data[:testBlock]) {
		t.Fatal("first block differs before unlink")
	}
	if err := root.Unlink(ctx, "f"); err != nil {
		t.Fatalf("unlink: %v", err)
	}
	mustNotStore(t, c.fake, "f")
	if got := readAt(t, rh, testBlock, 3*testBlock); !bytes.Equal(got, data[testBlock:]) {
		t.Fatal("blocks read after unlink differ from the original bytes")
	}
	rh.Release(ctx)
	mustNotExist(t, root, "f")
	mustNotStore(t, c.fake, "f")
}
