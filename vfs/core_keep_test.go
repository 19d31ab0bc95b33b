package vfs

import (
	"bytes"
	"context"
	"syscall"
	"testing"

	"github.com/objfs/objfs/remote"
)

// Open descriptors keep the file they opened (issue 11, item 3): after
// unlink or a rename over it, every handle still open reads what the file
// held, as on a local file system.

// TestCoreUnlinkKeepsWrittenForReaders is the reproduction:
// w=open(f,O_RDWR|O_CREAT|O_TRUNC); r=open(f,O_RDONLY); write(w, 4321
// bytes); unlink(f); close(w); then r still sees 4,321 bytes (size and
// content), and nothing is uploaded. Once r closes, the writer is gone.
func TestCoreUnlinkKeepsWrittenForReaders(t *testing.T) {
	for _, existing := range []bool{false, true} {
		name := "new file"
		if existing {
			name = "existing object"
		}
		t.Run(name, func(t *testing.T) {
			c := newCoreFS(t, true)
			ctx := context.Background()
			root := c.fsys.Root()
			var f *File
			var wh *WriteHandle
			if existing {
				put(t, c.fake, "f", pattern(3*testBlock, 1), nil)
				f = lookupFile(t, root, "f")
				wh = openWriteH(t, f, syscall.O_RDWR|syscall.O_TRUNC)
			} else {
				var err error
				if f, wh, err = root.Create(ctx, "f", false); err != nil {
					t.Fatal(err)
				}
			}
			rh := openRead(t, f)
			data := pattern(4321, 9)
			write(t, wh, data, 0)
			if err := root.Unlink(ctx, "f"); err != nil {
				t.Fatalf("unlink: %v", err)
			}
			if err := wh.Flush(ctx); err != nil {
				t.Fatalf("close of the writer: %v", err)
			}
			wh.Release(ctx)

			if a, err := f.Attr(ctx); err != nil || a.Size != int64(len(data)) {
				t.Fatalf("fstat of the reader after the writer's close: %+v, %v; want size %d", a, err, len(data))
			}
			if got := readAt(t, rh, 0, len(data)); !bytes.Equal(got, data) {
				t.Fatal("the reader reads other bytes than those written")
			}
			if got, _, err := rh.Read(ctx, make([]byte, 10), int64(len(data))); err != nil || len(got) != 0 {
				t.Fatalf("read at the end: %d bytes, %v; want 0, nil", len(got), err)
			}
			rh.Release(ctx)
			if f.liveWriter() != nil {
				t.Error("the writer outlived the last handle")
			}
			mustNotStore(t, c.fake, "f")
			mustNotExist(t, root, "f")
		})
	}
}

// TestCoreChangedThenRemovedKeepsReaders: a read handle pinned to a
// version that was then changed through the mount (another descriptor's
// close, a truncate by path) reads the new version after the file is
// unlinked or renamed over, never EIO. (Without the removal it would
// follow that version too: see ReadHandle.source.)
func TestCoreChangedThenRemovedKeepsReaders(t *testing.T) {
	orig := pattern(3*testBlock, 1)
	rewritten := pattern(3*testBlock+5, 2)
	changes := []struct {
		name   string
		change func(t *testing.T, f *File)
		want   []byte
	}{
		{"another descriptor's close", func(t *testing.T, f *File) {
			wh := openWriteH(t, f, syscall.O_WRONLY|syscall.O_TRUNC)
			write(t, wh, rewritten, 0)
			if err := wh.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			wh.Release(context.Background())
		}, rewritten},
		{"truncate by path", func(t *testing.T, f *File) {
			if _, err := f.SetAttr(context.Background(), AttrChange{Size: testBlock + 10, HasSize: true}, false); err != nil {
				t.Fatal(err)
			}
		}, orig[:testBlock+10]},
	}
	removals := []struct {
		name   string
		remove func(t *testing.T, c core)
	}{
		{"unlink", func(t *testing.T, c core) {
			if err := c.fsys.Root().Unlink(context.Background(), "f"); err != nil {
				t.Fatalf("unlink: %v", err)
			}
		}},
		{"rename over", func(t *testing.T, c core) {
			put(t, c.fake, "g", pattern(100, 3), nil)
			root := c.fsys.Root()
			lookupFile(t, root, "g")
			if err := root.Rename(context.Background(), "g", root, "f", 0); err != nil {
				t.Fatalf("rename: %v", err)
			}
			mustStore(t, c.fake, "f", pattern(100, 3))
		}},
	}
	for _, ch := range changes {
		for _, rm := range removals {
			t.Run(ch.name+", then "+rm.name, func(t *testing.T) {
				c := newCoreFS(t, true)
				ctx := context.Background()
				put(t, c.fake, "f", orig, nil)
				f := lookupFile(t, c.fsys.Root(), "f")
				rh := openRead(t, f)
				defer rh.Release(ctx)
				if got := readAt(t, rh, 0, testBlock); !bytes.Equal(got, orig[:testBlock]) {
					t.Fatal("first block differs")
				}
				ch.change(t, f)
				rm.remove(t, c)
				if a, err := f.Attr(ctx); err != nil || a.Size != int64(len(ch.want)) {
					t.Fatalf("fstat after the removal: %+v, %v; want size %d", a, err, len(ch.want))
				}
				if got := readAt(t, rh, 0, len(ch.want)); !bytes.Equal(got, ch.want) {
					t.Fatal("the reader reads other bytes than the version written through the mount")
				}
			})
		}
	}
}

// TestCoreRemovedKeepsForeignVersionApart: a version another client wrote
// since a handle pinned its own is kept at unlink for handles that pin it,
// and a handle pinned to the older version still gets ErrChanged, never
// bytes of the newer one.
func TestCoreRemovedKeepsForeignVersionApart(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "f", pattern(3*testBlock, 1), nil)
	f := lookupFile(t, root, "f")
	old := openRead(t, f)
	defer old.Release(ctx)
	foreign := pattern(2*testBlock, 4)
	put(t, c.fake, "f", foreign, nil)
	f.invalidate() // as a read that found the change would
	fresh := openRead(t, f)
	defer fresh.Release(ctx)
	if err := root.Unlink(ctx, "f"); err != nil {
		t.Fatalf("unlink: %v", err)
	}
	if got := readAt(t, fresh, 0, len(foreign)); !bytes.Equal(got, foreign) {
		t.Fatal("the handle opened on the new version reads other bytes after unlink")
	}
	if _, _, err := old.Read(ctx, make([]byte, testBlock), 0); err != ErrChanged {
		t.Fatalf("read of the replaced version: %v, want ErrChanged", err)
	}
}

// TestCoreFailedUnlinkKeepsFileLive: when the DeleteObject of an unlink
// fails, the writer opened to keep the file for its readers is released:
// the file stays a live one, whose later writes commit at their close
// (not when the read handle goes), and the reader follows them.
func TestCoreFailedUnlinkKeepsFileLive(t *testing.T) {
	c := newCoreFS(t, true)
	ctx := context.Background()
	root := c.fsys.Root()
	put(t, c.fake, "f", pattern(3*testBlock, 1), nil)
	f := lookupFile(t, root, "f")
	rh := openRead(t, f)
	defer rh.Release(ctx)
	c.fake.FailNext(remote.OpDelete, remote.ErrAccessDenied, 1)
	if err := root.Unlink(ctx, "f"); err == nil {
		t.Fatal("unlink succeeded despite the failed delete")
	}
	if f.liveWriter() != nil {
		t.Fatal("the writer kept for the readers outlived the failed unlink")
	}
	data := pattern(5000, 8)
	wh := openWriteH(t, f, syscall.O_WRONLY|syscall.O_TRUNC)
	write(t, wh, data, 0)
	wh.Release(ctx)
	mustStore(t, c.fake, "f", data)
	if got := readAt(t, rh, 0, len(data)); !bytes.Equal(got, data) {
		t.Fatal("the reader does not follow the version written after the failed unlink")
	}
}
