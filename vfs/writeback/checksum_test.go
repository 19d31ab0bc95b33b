package writeback

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/objfs/objfs/remote"
)

// checksumRecorder records the part checksum of every multipart upload
// created through it.
type checksumRecorder struct {
	remote.Client

	mu    sync.Mutex
	kinds []remote.PartChecksum // guarded by mu
}

func (c *checksumRecorder) CreateMultipart(ctx context.Context, req remote.CreateMultipartRequest) (string, error) {
	c.mu.Lock()
	c.kinds = append(c.kinds, req.Checksum)
	c.mu.Unlock()
	return c.Client.CreateMultipart(ctx, req)
}

// TestPartChecksumKinds: a streamed file and a staged file rewritten
// whole upload CRC32C parts; a staged commit that copies untouched parts
// uses Content-MD5, since a CRC32C upload cannot take UploadPartCopy.
func TestPartChecksumKinds(t *testing.T) {
	f, b := newFakeBucket(t)
	rec := &checksumRecorder{Client: f}
	u := newTestUploader(t, rec)
	r := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	commit := func(w *Writer, data []byte, off int64) remote.ObjectInfo {
		t.Helper()
		defer w.Close()
		writeAll(t, w, data, off)
		info, err := w.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	data := randBytes(r, 3*testPart+10)
	info := commit(u.Create(b, "k", false), data, 0)
	tail := randBytes(r, 1000)
	info = commit(u.Open(b, "k", info), tail, int64(len(data)))
	whole := randBytes(r, len(data)+len(tail))
	commit(u.Open(b, "k", info), whole, 0)

	if got := readObject(t, f, b, "k"); !bytes.Equal(got, whole) {
		t.Fatal("content differs")
	}
	want := []remote.PartChecksum{remote.PartsCRC32C, remote.PartsMD5, remote.PartsCRC32C}
	if !slices.Equal(rec.kinds, want) {
		t.Fatalf("uploads created with checksums %v, want %v (streamed, appended, rewritten)", rec.kinds, want)
	}
}

// TestIgnoredChecksums: against a server that ignores flexible checksums
// (its parts return no CRC32C to echo), streamed and staged files still
// commit whole.
func TestIgnoredChecksums(t *testing.T) {
	f, b := newFakeBucket(t)
	f.IgnoreChecksums()
	u := newTestUploader(t, f)
	r := rand.New(rand.NewPCG(9, 10))
	data := randBytes(r, 2*testPart+10)
	w := u.Create(b, "k", false)
	writeAll(t, w, data, 0)
	info, err := w.Commit(context.Background())
	w.Close()
	if err != nil {
		t.Fatalf("streamed: %v", err)
	}
	tail := randBytes(r, 1000)
	w = u.Open(b, "k", info)
	writeAll(t, w, tail, int64(len(data)))
	_, err = w.Commit(context.Background())
	w.Close()
	if err != nil {
		t.Fatalf("staged append: %v", err)
	}
	if got := readObject(t, f, b, "k"); !bytes.Equal(got, append(data, tail...)) {
		t.Fatal("content differs")
	}
}
