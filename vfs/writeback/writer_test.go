package writeback

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

const testPart = remote.MinPartSize // 5 MiB, the smallest legal part

func newTestUploader(t *testing.T, c remote.Client) *Uploader {
	t.Helper()
	u, err := New(c, Config{PartSize: testPart, Concurrency: 2, StageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	return u
}

func newFakeBucket(t *testing.T) (*remote.Fake, string) {
	t.Helper()
	f := remote.NewFake()
	if err := f.CreateBucket(context.Background(), "bkt"); err != nil {
		t.Fatal(err)
	}
	return f, "bkt"
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

func readObject(t *testing.T, c remote.Client, bucket, key string) []byte {
	t.Helper()
	rc, err := c.Get(context.Background(), remote.GetRequest{Bucket: bucket, Key: key, Length: -1})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func putObject(t *testing.T, c remote.Client, bucket, key string, data []byte) remote.ObjectInfo {
	t.Helper()
	if _, err := c.Put(context.Background(), remote.PutRequest{Bucket: bucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Head(context.Background(), bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// writeAll writes data sequentially in chunks of the kernel's usual size.
func writeAll(t *testing.T, w *Writer, data []byte, off int64) {
	t.Helper()
	const chunk = 128 << 10
	for pos := 0; pos < len(data); pos += chunk {
		end := min(pos+chunk, len(data))
		if _, err := w.WriteAt(context.Background(), data[pos:end], off+int64(pos)); err != nil {
			t.Fatalf("write at %d: %v", off+int64(pos), err)
		}
	}
}

func TestCreateSmallIsOnePut(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	w := u.Create(b, "small.txt", false)
	defer w.Close()
	writeAll(t, w, []byte("hello objfs"), 0)
	w.SetMtime(time.Unix(1700000000, 0))
	info, err := w.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, f, b, "small.txt"); string(got) != "hello objfs" {
		t.Fatalf("content %q", got)
	}
	if info.Size != 11 || info.ETag == "" {
		t.Fatalf("info %+v", info)
	}
	h, _ := f.Head(context.Background(), b, "small.txt")
	if h.Metadata[remote.MetaMtime] != "1700000000.000000000" {
		t.Fatalf("metadata %v", h.Metadata)
	}
	if w.Dirty() {
		t.Fatal("dirty after commit")
	}
}

func TestCreateEmptyFile(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	w := u.Create(b, "empty", false)
	defer w.Close()
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, f, b, "empty"); len(got) != 0 {
		t.Fatalf("content %q", got)
	}
}

func TestStreamingMultipartWithinBudget(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	r := rand.New(rand.NewPCG(3, 4))
	data := randBytes(r, 4*testPart+12345)
	w := u.Create(b, "big.bin", false)
	defer w.Close()
	const chunk = 128 << 10
	var peak int64
	for pos := 0; pos < len(data); pos += chunk {
		end := min(pos+chunk, len(data))
		if _, err := w.WriteAt(context.Background(), data[pos:end], int64(pos)); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, u.MemInUse())
	}
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readObject(t, f, b, "big.bin"), data) {
		t.Fatal("content differs")
	}
	if peak > u.cfg.MemBytes {
		t.Fatalf("peak buffer memory %d over budget %d", peak, u.cfg.MemBytes)
	}
	if n := u.MemInUse(); n != 0 {
		t.Fatalf("%d buffer bytes still held after commit", n)
	}
	h, _ := f.Head(context.Background(), b, "big.bin")
	if !bytes.Contains([]byte(h.ETag), []byte("-5")) {
		t.Fatalf("want a 5-part multipart ETag, got %s", h.ETag)
	}
}

func TestAppendToLargeObjectCopiesUntouchedParts(t *testing.T) {
	f, b := newFakeBucket(t)
	r := rand.New(rand.NewPCG(5, 6))
	old := randBytes(r, 3*testPart+777)
	base := putObject(t, f, b, "log", old)
	u := newTestUploader(t, f)
	w := u.Open(b, "log", base)
	defer w.Close()
	tail := randBytes(r, 1<<20)
	writeAll(t, w, tail, int64(len(old)))
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, f, b, "log"); !bytes.Equal(got, append(old, tail...)) {
		t.Fatalf("content differs (len %d)", len(got))
	}
}

func TestOverwriteInPlaceAndTruncate(t *testing.T) {
	f, b := newFakeBucket(t)
	base := putObject(t, f, b, "f", []byte("0123456789"))
	u := newTestUploader(t, f)
	w := u.Open(b, "f", base)
	defer w.Close()
	ctx := context.Background()
	if _, err := w.WriteAt(ctx, []byte("AB"), 3); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := w.ReadAt(ctx, buf, 0); err != nil || string(buf[:n]) != "012AB56789" {
		t.Fatalf("read back %q %v", buf[:n], err)
	}
	if err := w.Truncate(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if err := w.Truncate(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, f, b, "f"); string(got) != "012AB56\x00\x00" {
		t.Fatalf("content %q", got)
	}
}

func TestExclusiveCreateOfExistingKey(t *testing.T) {
	f, b := newFakeBucket(t)
	putObject(t, f, b, "taken", []byte("first"))
	u := newTestUploader(t, f)
	w := u.Create(b, "taken", true)
	defer w.Close()
	writeAll(t, w, []byte("second"), 0)
	if _, err := w.Commit(context.Background()); !errors.Is(err, remote.ErrPreconditionFailed) {
		t.Fatalf("want ErrPreconditionFailed, got %v", err)
	}
	if got := readObject(t, f, b, "taken"); string(got) != "first" {
		t.Fatalf("object overwritten: %q", got)
	}
}

// TestRandomOpsMatchModel drives a writer with random writes, truncates,
// reads and commits, and compares every read and every committed object
// with a plain byte slice.
func TestRandomOpsMatchModel(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	ctx := context.Background()
	for seed := uint64(0); seed < 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		var model []byte
		var w *Writer
		if seed%2 == 0 {
			model = randBytes(r, r.IntN(3*testPart))
			w = u.Open(b, "m", putObject(t, f, b, "m", model))
		} else {
			w = u.Create(b, "m", false)
		}
		for op := 0; op < 30; op++ {
			switch k := r.IntN(10); {
			case k < 5: // write, often sequential at the end
				off := int64(len(model))
				if r.IntN(3) == 0 {
					off = int64(r.IntN(len(model) + 1 + testPart/4))
				}
				p := randBytes(r, 1+r.IntN(testPart/2))
				if _, err := w.WriteAt(ctx, p, off); err != nil {
					t.Fatal(err)
				}
				if need := int(off) + len(p); need > len(model) {
					model = append(model, make([]byte, need-len(model))...)
				}
				copy(model[off:], p)
			case k < 6:
				n := r.IntN(len(model) + testPart/8)
				if err := w.Truncate(ctx, int64(n)); err != nil {
					t.Fatal(err)
				}
				if n < len(model) {
					model = model[:n]
				} else {
					model = append(model, make([]byte, n-len(model))...)
				}
			case k < 8:
				if len(model) == 0 {
					continue
				}
				off := r.IntN(len(model))
				p := make([]byte, 1+r.IntN(64<<10))
				n, err := w.ReadAt(ctx, p, int64(off))
				if err != nil && err != io.EOF {
					t.Fatal(err)
				}
				want := model[off:min(off+len(p), len(model))]
				if !bytes.Equal(p[:n], want) {
					t.Fatalf("seed %d op %d: read at %d differs", seed, op, off)
				}
			default:
				if _, err := w.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				if got := readObject(t, f, b, "m"); !bytes.Equal(got, model) {
					t.Fatalf("seed %d op %d: committed object differs (len %d want %d)", seed, op, len(got), len(model))
				}
			}
			if w.Size() != int64(len(model)) {
				t.Fatalf("seed %d op %d: size %d want %d", seed, op, w.Size(), len(model))
			}
		}
		if _, err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := readObject(t, f, b, "m"); !bytes.Equal(got, model) {
			t.Fatalf("seed %d: final object differs", seed)
		}
		w.Close()
		ups, _ := f.ListMultipartUploads(ctx, b, "")
		if len(ups) != 0 {
			t.Fatalf("seed %d: %d multipart uploads left", seed, len(ups))
		}
	}
	if n := u.MemInUse(); n != 0 {
		t.Fatalf("%d buffer bytes still held", n)
	}
}

// TestFailedPartAbortsAndSticks: a part that fails makes Commit fail, leaves
// neither an object nor an incomplete upload, and fails later writes.
func TestFailedPartAbortsAndSticks(t *testing.T) {
	f, b := newFakeBucket(t)
	u := newTestUploader(t, f)
	r := rand.New(rand.NewPCG(7, 8))
	w := u.Create(b, "doomed", false)
	defer w.Close()
	f.FailNext(remote.OpUploadPart, remote.ErrAccessDenied, 1)
	data := randBytes(r, 2*testPart+10)
	var werr error
	for pos := 0; pos < len(data) && werr == nil; pos += 128 << 10 {
		_, werr = w.WriteAt(context.Background(), data[pos:min(pos+128<<10, len(data))], int64(pos))
	}
	if werr != nil && !errors.Is(werr, remote.ErrAccessDenied) {
		t.Fatalf("write failed with an unrelated error: %v", werr)
	}
	if _, err := w.Commit(context.Background()); !errors.Is(err, remote.ErrAccessDenied) {
		t.Fatalf("commit: want the part's error, got %v", err)
	}
	if _, err := f.Head(context.Background(), b, "doomed"); !errors.Is(err, remote.ErrNotFound) {
		t.Fatalf("object exists after failed upload: %v", err)
	}
	if ups, _ := f.ListMultipartUploads(context.Background(), b, ""); len(ups) != 0 {
		t.Fatalf("%d incomplete uploads left", len(ups))
	}
	if _, err := w.WriteAt(context.Background(), []byte("x"), w.Size()); err == nil {
		t.Fatal("write after a failed upload succeeded")
	}
	if _, err := w.Commit(context.Background()); err == nil {
		t.Fatal("second commit after a failure succeeded")
	}
}
