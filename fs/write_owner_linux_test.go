package fs

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// TestFlushAfterOpeningThreadExited: a file opened by a thread that has
// exited since is committed by the close of another thread of the same
// process, before that close returns.
func TestFlushAfterOpeningThreadExited(t *testing.T) {
	h := newWriteHarness(t, Source{Bucket: testBucket}, nil)
	var out fuse.CreateOut
	onExitingThread(t, func(tid uint32) {
		in := fuse.CreateIn{InHeader: hdr(rootID), Flags: syscall.O_WRONLY | syscall.O_CREAT, Mode: 0o644}
		in.Caller.Pid = tid
		if st := h.raw.Create(nil, &in, "f", &out); st != fuse.OK {
			t.Error(st)
		}
	})
	h.writeAll(out.NodeId, out.Fh, 0, []byte("data"))
	fin := fuse.FlushIn{InHeader: hdr(out.NodeId), Fh: out.Fh}
	fin.Caller.Pid = uint32(os.Getpid())
	if st := h.raw.Flush(nil, &fin); st != fuse.OK {
		t.Fatal(st)
	}
	if got, ok := h.object("f"); !ok || string(got) != "data" {
		t.Fatalf("after the close: S3 holds %q (exists %v)", got, ok)
	}
	h.release(out.NodeId, out.Fh)
}

// onExitingThread runs f on an OS thread other than the main one (which
// never exits), passing its id, and returns once that thread is gone.
func onExitingThread(t *testing.T, f func(tid uint32)) {
	t.Helper()
	hold := make(chan struct{})
	defer close(hold)
	for {
		got := make(chan uint32)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			tid := uint32(syscall.Gettid())
			if int(tid) == os.Getpid() { // keep the main thread busy, try another
				got <- 0
				<-hold
				runtime.UnlockOSThread()
				return
			}
			f(tid)
			got <- tid
		}()
		tid := <-got
		if tid == 0 {
			continue
		}
		for i := 0; ; i++ {
			if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(int(tid))); os.IsNotExist(err) {
				return
			}
			if i == 500 {
				t.Fatal("the thread did not exit")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
