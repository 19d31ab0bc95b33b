package fs

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// TestFlushAfterOpeningThreadExited: a file opened by a thread that has
// exited since is committed by the close of another thread of the same
// process, before that close returns.
func TestFlushAfterOpeningThreadExited(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
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

// TestFlushFromAnotherProcess: a close by a process that did not open the
// file (a forked child closing its inherited descriptor) commits nothing;
// a close by another thread of the opener commits.
func TestFlushFromAnotherProcess(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	me := uint32(os.Getpid())
	in := fuse.CreateIn{InHeader: hdr(rootID), Flags: syscall.O_WRONLY | syscall.O_CREAT, Mode: 0o644}
	in.Caller.Pid = me
	var out fuse.CreateOut
	if st := h.raw.Create(nil, &in, "f", &out); st != fuse.OK {
		t.Fatal(st)
	}
	h.writeAll(out.NodeId, out.Fh, 0, []byte("data"))
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	flush := func(pid uint32) syscall.Errno {
		fin := fuse.FlushIn{InHeader: hdr(out.NodeId), Fh: out.Fh}
		fin.Caller.Pid = pid
		return syscall.Errno(h.raw.Flush(nil, &fin))
	}
	if errno := flush(uint32(child.Process.Pid)); errno != 0 {
		t.Fatal(errno)
	}
	if _, ok := h.object("f"); ok {
		t.Fatal("a close by another process committed the file")
	}
	if errno := flush(otherThread(t)); errno != 0 {
		t.Fatal(errno)
	}
	if got := h.mustObject("f"); string(got) != "data" {
		t.Fatalf("after the opener's close: %q", got)
	}
	h.release(out.NodeId, out.Fh)
}

// otherThread returns a thread of this process other than its main one.
func otherThread(t *testing.T) uint32 {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil && tid != os.Getpid() {
			return uint32(tid)
		}
	}
	t.Fatal("no other thread")
	return 0
}

// TestFlushAfterOpenerExited: once the process that opened a file has
// exited, a close by the process that inherited the descriptor commits
// (no close of the opener will come, and release would be too late).
func TestFlushAfterOpenerExited(t *testing.T) {
	h := newWriteHarness(t, vfs.Source{Bucket: testBucket}, nil)
	opener := exec.Command("sleep", "30")
	if err := opener.Start(); err != nil {
		t.Fatal(err)
	}
	in := fuse.CreateIn{InHeader: hdr(rootID), Flags: syscall.O_WRONLY | syscall.O_CREAT, Mode: 0o644}
	in.Caller.Pid = uint32(opener.Process.Pid)
	var out fuse.CreateOut
	if st := h.raw.Create(nil, &in, "f", &out); st != fuse.OK {
		t.Fatal(st)
	}
	h.writeAll(out.NodeId, out.Fh, 0, []byte("data"))
	fin := fuse.FlushIn{InHeader: hdr(out.NodeId), Fh: out.Fh}
	fin.Caller.Pid = uint32(os.Getpid())
	if st := h.raw.Flush(nil, &fin); st != fuse.OK {
		t.Fatal(st)
	}
	if _, ok := h.object("f"); ok {
		t.Fatal("a close by another process committed while the opener lives")
	}
	opener.Process.Kill()
	time.Sleep(100 * time.Millisecond) // a zombie until Wait reaps it
	if st := h.raw.Flush(nil, &fin); st != fuse.OK {
		t.Fatal(st)
	}
	opener.Wait()
	if got, ok := h.object("f"); !ok || string(got) != "data" {
		t.Fatalf("after the opener exited: S3 holds %q (exists %v)", got, ok)
	}
	h.release(out.NodeId, out.Fh)
}

// TestThreadGroup: the opener's process is found for the thread leading a
// process (the fast path, groupLeader) and for any other thread of one
// (from /proc); a thread that is gone has none.
func TestThreadGroup(t *testing.T) {
	me := uint32(os.Getpid())
	if !groupLeader(me) {
		t.Fatal("groupLeader: this process's main thread does not lead its group")
	}
	other := otherThread(t)
	if groupLeader(other) {
		t.Fatalf("groupLeader: thread %d, not the process, was taken for its leader", other)
	}
	for _, tid := range []uint32{me, other} {
		if got, ok := threadGroup(tid); !ok || got != me {
			t.Errorf("threadGroup(%d) = %d, %v; want %d", tid, got, ok, me)
		}
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(child.Process.Pid)
	if got, ok := threadGroup(pid); !ok || got != pid {
		t.Errorf("threadGroup(child %d) = %d, %v", pid, got, ok)
	}
	child.Process.Kill()
	child.Wait()
	if got, ok := threadGroup(pid); ok {
		t.Errorf("threadGroup(%d) of a reaped child = %d, true", pid, got)
	}
	var gone uint32
	onExitingThread(t, func(tid uint32) { gone = tid })
	if got, ok := threadGroup(gone); ok {
		t.Errorf("threadGroup(%d) of an exited thread = %d, true", gone, got)
	}
}
