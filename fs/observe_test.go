package fs

import (
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// recordedOp is one Observer.Op call.
type recordedOp struct {
	op    string
	errno syscall.Errno
	d     time.Duration
}

// recorder is an Observer that keeps every call.
type recorder struct {
	mu        sync.Mutex
	ops       []recordedOp
	decisions []string // "label:allowed" or "label:denied"
	sizes     []string // "read:4096"
}

func (r *recorder) RequestSize(op string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes = append(r.sizes, fmt.Sprintf("%s:%d", op, n))
}

func (r *recorder) takeSizes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sizes
	r.sizes = nil
	return s
}

func (r *recorder) Op(op string, errno syscall.Errno, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, recordedOp{op, errno, d})
}

func (r *recorder) Decision(connector string, allowed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := "denied"
	if allowed {
		d = "allowed"
	}
	r.decisions = append(r.decisions, connector+":"+d)
}

func (r *recorder) takeOps() []recordedOp {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops := r.ops
	r.ops = nil
	return ops
}

// steppingClock advances by step on every reading, so that every observed
// duration is a known multiple of step.
type steppingClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// observedHarness is a harness whose raw file system is wrapped as
// mountTree wraps it.
func observedHarness(t *testing.T) (*harness, *recorder) {
	h := newHarness(t, mustSource(t, "s3://"+testBucket), nil)
	rec := &recorder{}
	clock := &steppingClock{now: time.Unix(1700000000, 0), step: time.Millisecond}
	h.raw = &observedFS{RawFileSystem: h.raw, obs: rec, now: clock.Now}
	return h, rec
}

func mustSource(t *testing.T, s string) vfs.Source {
	t.Helper()
	src, err := vfs.ParseSource(s)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestObserverSeesEveryOperation: each operation through the bridge is
// reported once, with the errno the kernel got and its duration.
func TestObserverSeesEveryOperation(t *testing.T) {
	h, rec := observedHarness(t)
	put(t, h.fake, "dir/file", []byte("hello"), nil)

	dir := h.path("dir")
	if _, errno := h.lookup(dir, "missing"); errno != syscall.ENOENT {
		t.Fatalf("lookup missing: %v", errno)
	}
	file := h.path("dir", "file")
	if got := string(h.readAll(file)); got != "hello" {
		t.Fatalf("read %q", got)
	}
	if _, errno := h.getattr(file); errno != 0 {
		t.Fatalf("getattr: %v", errno)
	}

	ops := rec.takeOps()
	var names []string
	for _, o := range ops {
		names = append(names, o.op)
		if o.d != time.Millisecond {
			t.Errorf("%s took %v by the stepping clock, want 1ms (one reading before, one after)", o.op, o.d)
		}
	}
	// path("dir"), lookup missing, path("dir","file") (two lookups), then
	// open, reads until EOF, release, getattr.
	want := []string{"lookup", "lookup", "lookup", "lookup", "open", "read", "read", "release", "getattr"}
	if !slices.Equal(names, want) {
		t.Fatalf("observed ops %v, want %v", names, want)
	}
	if ops[1].errno != syscall.ENOENT && ops[1].errno != 0 {
		t.Errorf("lookup of a missing name reported errno %v", ops[1].errno)
	}
	for i, o := range ops {
		if i != 1 && o.errno != 0 {
			t.Errorf("%s reported errno %v, want 0", o.op, o.errno)
		}
	}
}

// TestObserverSeesFailures: an operation that fails is reported with its
// errno (EIO for a storage failure).
func TestObserverSeesFailures(t *testing.T) {
	h, rec := observedHarness(t)
	put(t, h.fake, "f", []byte("x"), nil)
	file := h.path("f")
	rec.takeOps()

	out, errno := h.open(file, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatalf("open: %v", errno)
	}
	h.fake.FailNext(remote.OpGet, fmt.Errorf("injected: %w", remote.ErrUnreachable), 1)
	if _, errno := h.read(file, out.Fh, 0, 4096); errno != syscall.EIO {
		t.Fatalf("read with a failing GET: errno %v, want EIO", errno)
	}
	h.release(file, out.Fh)
	var got []recordedOp
	for _, o := range rec.takeOps() {
		if o.op == "read" {
			got = append(got, o)
		}
	}
	if len(got) != 1 || got[0].errno != syscall.EIO {
		t.Fatalf("observed reads %+v, want one with EIO", got)
	}
}

// TestWritevENOSYSNotCounted: when Writev answers ENOSYS go-fuse calls
// Write, which is counted; the Writev attempt is not.
func TestWritevENOSYSNotCounted(t *testing.T) {
	rec := &recorder{}
	o := &observedFS{RawFileSystem: enosysFS{fuse.NewDefaultRawFileSystem()}, obs: rec, now: time.Now}
	o.Writev(nil, &fuse.WriteIn{}, [][]byte{[]byte("x")})
	if ops, sizes := rec.takeOps(), rec.takeSizes(); len(ops) != 0 || len(sizes) != 0 {
		t.Fatalf("Writev ENOSYS observed: %+v %v", ops, sizes)
	}
	o.Write(nil, &fuse.WriteIn{}, []byte("x"))
	if ops := rec.takeOps(); len(ops) != 1 || ops[0].op != "write" {
		t.Fatalf("Write observed as %+v, want one write", ops)
	}
	if sizes := rec.takeSizes(); !slices.Equal(sizes, []string{"write:1"}) {
		t.Fatalf("Write sizes %v, want one of 1 byte", sizes)
	}
}

// TestObserverSeesRequestSizes: every READ is reported with the size the
// kernel asked for, every WRITE with the bytes it carried (all the
// vectors of a Writev).
func TestObserverSeesRequestSizes(t *testing.T) {
	h, rec := observedHarness(t)
	put(t, h.fake, "f", make([]byte, 3<<20), nil)
	file := h.path("f")
	out, errno := h.open(file, syscall.O_RDONLY)
	if errno != 0 {
		t.Fatalf("open: %v", errno)
	}
	rec.takeSizes()
	for _, size := range []int{4096, 2 << 20, 16 << 20} {
		if _, errno := h.read(file, out.Fh, 0, size); errno != 0 {
			t.Fatalf("read %d: %v", size, errno)
		}
	}
	h.release(file, out.Fh)
	if got, want := rec.takeSizes(), []string{"read:4096", "read:2097152", "read:16777216"}; !slices.Equal(got, want) {
		t.Fatalf("read sizes %v, want %v", got, want)
	}
	o := &observedFS{RawFileSystem: writevFS{fuse.NewDefaultRawFileSystem()}, obs: rec, now: time.Now}
	o.Writev(nil, &fuse.WriteIn{}, [][]byte{make([]byte, 3), make([]byte, 5)})
	if got := rec.takeSizes(); !slices.Equal(got, []string{"write:8"}) {
		t.Fatalf("Writev sizes %v, want one of 8 bytes", got)
	}
}

type enosysFS struct{ fuse.RawFileSystem }

func (enosysFS) Writev(<-chan struct{}, *fuse.WriteIn, [][]byte) (uint32, fuse.Status) {
	return 0, fuse.ENOSYS
}

// writevFS answers every Writev as written.
type writevFS struct{ fuse.RawFileSystem }

func (writevFS) Writev(_ <-chan struct{}, _ *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	n := 0
	for _, d := range data {
		n += len(d)
	}
	return uint32(n), fuse.OK
}
