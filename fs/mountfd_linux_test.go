package fs

import (
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/objfs/objfs/internal/mountinfo"
	"github.com/objfs/objfs/internal/testenv"
	"github.com/objfs/objfs/vfs"
)

// TestMountFDServesLikeMount: a mount made by MountFD and served from a
// copy of its descriptor (the hand-off of objfs csi) has the same mount
// table entry as Mount's own direct mount with the same options, serves
// the tree, and ends its server when it is unmounted.
func TestMountFDServesLikeMount(t *testing.T) {
	testenv.RequireFUSE(t)
	if os.Geteuid() != 0 {
		t.Skip("MountFD mounts with mount(2), which needs root")
	}
	newTree := func() *vfs.FS {
		fake, counting := newFake(t)
		put(t, fake, "hello.txt", []byte("hello\n"), nil)
		f, err := vfs.New(counting, vfs.Config{Source: vfs.Source{Bucket: testBucket}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close(t.Context()) })
		return f
	}
	opts := MountOptions{FSName: "s3://" + testBucket + "/", AllowOther: true, ReadOnly: true, NoExec: true}
	dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	serverA, err := Mount(newTree(), dirA, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer serverA.Unmount()

	dev, err := MountFD(dirB, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	mounted := true
	defer func() {
		if mounted {
			syscall.Unmount(dirB, syscall.MNT_DETACH)
		}
	}()
	// The server gets its own copy, as a mounter does over SCM_RIGHTS;
	// the mounting side closes its own.
	fd, err := syscall.Dup(int(dev.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	dev.Close()
	withFD := opts
	withFD.FD = fd
	serverB, err := Mount(newTree(), dirB, withFD)
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}

	a, okA, errA := mountinfo.FindFile(mountinfo.Self, dirA)
	b, okB, errB := mountinfo.FindFile(mountinfo.Self, dirB)
	if !okA || !okB || errA != nil || errB != nil {
		t.Fatalf("mount table: %v %v %v %v", okA, okB, errA, errB)
	}
	if a.Options != b.Options || a.SuperOptions != b.SuperOptions || a.FSType != b.FSType || a.Source != b.Source {
		t.Errorf("MountFD's mount differs from Mount's:\n%+v\n%+v", b, a)
	}
	got, err := os.ReadFile(filepath.Join(dirB, "hello.txt"))
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("reading through the handed-off mount: %q %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "x"), nil, 0o644); err == nil {
		t.Error("a write succeeded on the read-only handed-off mount")
	}
	// Go-fuse cannot unmount a /dev/fd/N mount itself; whoever mounted
	// it does, and the server sees it.
	if err := serverB.Unmount(); err == nil {
		t.Error("the server unmounted a /dev/fd/N mount it cannot name")
	}
	if err := syscall.Unmount(dirB, 0); err != nil {
		t.Fatal(err)
	}
	mounted = false
	serverB.Wait()
}

// TestServeDirRefusesNonFUSEDescriptor: a descriptor that is not a
// character device is refused before go-fuse sees it.
func TestServeDirRefusesNonFUSEDescriptor(t *testing.T) {
	f, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := serveDir("/x", MountOptions{FD: int(f.Fd())}); err == nil {
		t.Fatal("a directory's descriptor was accepted as /dev/fuse")
	}
	if _, err := serveDir("/x", MountOptions{FD: 1 << 20}); err == nil {
		t.Fatal("a closed descriptor was accepted")
	}
}
