package writeback

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// stepClock is a clock that moves one second each time it is read, so
// every write has its own mtime.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func newClockedUploader(t *testing.T, c remote.Client) (*Uploader, *stepClock) {
	t.Helper()
	clock := &stepClock{now: time.Unix(1700000000, 0)}
	u, err := New(c, Config{PartSize: testPart, Concurrency: 2, StageDir: t.TempDir(), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	return u, clock
}

func storedMtime(t *testing.T, c remote.Client, bucket, key string) string {
	t.Helper()
	h, err := c.Head(context.Background(), bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	return h.Metadata[remote.MetaMtime]
}

// TestPutCarriesLastWriteMtime: a small file stores the time of its last
// write, and the writer reports that time after the commit.
func TestPutCarriesLastWriteMtime(t *testing.T) {
	f, b := newFakeBucket(t)
	u, _ := newClockedUploader(t, f)
	w := u.Create(b, "f", false)
	defer w.Close()
	writeAll(t, w, []byte("one"), 0)
	writeAll(t, w, []byte("two"), 3)
	last := w.Mtime()
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := storedMtime(t, f, b, "f"); got != FormatMtime(last) {
		t.Fatalf("stored mtime %s, want %s", got, FormatMtime(last))
	}
	if !w.Mtime().Equal(last) {
		t.Fatalf("mtime after commit %v, want %v", w.Mtime(), last)
	}
}

// TestStreamingMtime: a multipart upload sends its metadata when it
// starts; without utimens the file's mtime becomes that one, and a time
// set by SetMtime after the upload started is stored by one metadata copy.
func TestStreamingMtime(t *testing.T) {
	for _, explicit := range []bool{false, true} {
		f, b := newFakeBucket(t)
		counting := remote.NewCounting(f)
		u, _ := newClockedUploader(t, counting)
		w := u.Create(b, "big", false)
		data := randBytes(rand.New(rand.NewPCG(1, 1)), testPart+100)
		writeAll(t, w, data, 0)
		want := time.Unix(1600000000, 123456789)
		if explicit {
			w.SetMtime(want)
		}
		if _, err := w.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := storedMtime(t, f, b, "big")
		if explicit && got != FormatMtime(want) {
			t.Fatalf("explicit mtime: stored %s, want %s", got, FormatMtime(want))
		}
		if FormatMtime(w.Mtime()) != got {
			t.Fatalf("explicit=%v: writer reports %s, S3 stores %s", explicit, FormatMtime(w.Mtime()), got)
		}
		copies := counting.Count(remote.OpCopy)
		if explicit != (copies == 1) || copies > 1 {
			t.Fatalf("explicit=%v: %d metadata copies", explicit, copies)
		}
		if got := readObject(t, f, b, "big"); len(got) != len(data) {
			t.Fatalf("size %d after the metadata copy", len(got))
		}
		w.Close()
	}
}

// TestSetMtimeOnCleanObject: utimens on an unchanged object is one
// metadata-only copy that keeps the other metadata; setting the stored
// time again sends nothing.
func TestSetMtimeOnCleanObject(t *testing.T) {
	f, b := newFakeBucket(t)
	counting := remote.NewCounting(f)
	u, _ := newClockedUploader(t, counting)
	ctx := context.Background()
	if _, err := f.Put(ctx, remote.PutRequest{Bucket: b, Key: "k", Body: emptyReader{}, Metadata: map[string]string{"owner": "me"}}); err != nil {
		t.Fatal(err)
	}
	base, _ := f.Head(ctx, b, "k")
	w := u.Open(b, "k", base)
	defer w.Close()
	when := time.Unix(1500000000, 5)
	w.SetMtime(when)
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h, _ := f.Head(ctx, b, "k")
	if h.Metadata[remote.MetaMtime] != FormatMtime(when) || h.Metadata["owner"] != "me" {
		t.Fatalf("metadata %v", h.Metadata)
	}
	counting.Reset()
	w.SetMtime(when)
	if w.Dirty() {
		t.Fatal("setting the stored mtime again made the writer dirty")
	}
	if _, err := w.Commit(ctx); err != nil || counting.Total() != 0 {
		t.Fatalf("commit: %v, %d requests", err, counting.Total())
	}
}

// TestStreamingMetadataSetLate: metadata set (chmod) after a streaming
// upload started, which sent the metadata of its start, is stored by a
// metadata copy at commit; set before, it costs no copy.
func TestStreamingMetadataSetLate(t *testing.T) {
	for _, late := range []bool{false, true} {
		f, b := newFakeBucket(t)
		counting := remote.NewCounting(f)
		u, _ := newClockedUploader(t, counting)
		w := u.Create(b, "big", false)
		data := randBytes(rand.New(rand.NewPCG(2, 2)), testPart+100)
		mode := map[string]string{"mode": "0100755"}
		if !late {
			w.SetMetadata(mode)
		}
		writeAll(t, w, data, 0)
		if late {
			w.SetMetadata(mode)
		}
		if _, err := w.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		h, err := f.Head(context.Background(), b, "big")
		if err != nil {
			t.Fatal(err)
		}
		if h.Metadata["mode"] != "0100755" || h.Size != int64(len(data)) {
			t.Fatalf("late=%v: S3 holds %d bytes with metadata %v", late, h.Size, h.Metadata)
		}
		if copies := counting.Count(remote.OpCopy); late != (copies == 1) || copies > 1 {
			t.Fatalf("late=%v: %d metadata copies", late, copies)
		}
		w.Close()
	}
}

// TestTruncateSameSizeMovesMtime: a truncate to the size the object has
// (ftruncate, or open with O_TRUNC of an empty file) moves its mtime by
// one metadata-only copy and keeps the bytes; on a new file it adds no
// request to the file's upload.
func TestTruncateSameSizeMovesMtime(t *testing.T) {
	f, b := newFakeBucket(t)
	counting := remote.NewCounting(f)
	u, _ := newClockedUploader(t, counting)
	ctx := context.Background()
	old := time.Unix(1500000000, 0)
	if _, err := f.Put(ctx, remote.PutRequest{Bucket: b, Key: "k", Body: strings.NewReader("data"), Size: 4,
		Metadata: map[string]string{remote.MetaMtime: FormatMtime(old), "mode": "0100600"}}); err != nil {
		t.Fatal(err)
	}
	base, _ := f.Head(ctx, b, "k")
	w := u.Open(b, "k", base)
	defer w.Close()
	if err := w.Truncate(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if !w.Dirty() {
		t.Fatal("a truncate to the same size left the writer clean: mtime would not move")
	}
	counting.Reset()
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n, copies := counting.Total(), counting.Count(remote.OpCopy); n != 1 || copies != 1 {
		t.Fatalf("the commit sent %d requests (%d copies), want one metadata-only copy", n, copies)
	}
	h, _ := f.Head(ctx, b, "k")
	if got := h.Metadata[remote.MetaMtime]; got == FormatMtime(old) || got != FormatMtime(w.Mtime()) || h.Metadata["mode"] != "0100600" {
		t.Fatalf("metadata after the truncate: %v (writer's mtime %s)", h.Metadata, FormatMtime(w.Mtime()))
	}
	if got := readObject(t, f, b, "k"); string(got) != "data" {
		t.Fatalf("content after the truncate: %q", got)
	}

	n := u.Create(b, "new", false)
	defer n.Close()
	if err := n.Truncate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	counting.Reset()
	if _, err := n.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counting.Total(); got != 1 || counting.Count(remote.OpCopy) != 0 {
		t.Fatalf("a new file truncated to 0 sent %d requests (%v), want one PutObject", got, counting.Snapshot())
	}
}
