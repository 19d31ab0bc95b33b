package csi

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeRunner records calls and keeps a mount table of its own.
type fakeRunner struct {
	mounts  map[string]bool // target -> alive
	mounted int
	umounts int
}

func (f *fakeRunner) mount(_ context.Context, argv, _ []string, _ KernelMount) error {
	f.mounts[argv[len(argv)-1]] = true
	f.mounted++
	return nil
}

func (f *fakeRunner) umount(_ context.Context, target string) error {
	delete(f.mounts, target)
	f.umounts++
	return nil
}

func (f *fakeRunner) settle(context.Context, string, string) error { return nil }

func (f *fakeRunner) state(target string) (bool, bool, error) {
	alive, ok := f.mounts[target]
	return ok, alive, nil
}

func newTestDriver(t *testing.T) (*Driver, *fakeRunner) {
	d, err := New(Config{NodeID: "n", Binary: "/objfs", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRunner{mounts: map[string]bool{}}
	d.run = f
	return d, f
}

func TestPublishIdempotentAndDeadMount(t *testing.T) {
	d, f := newTestDriver(t)
	target := filepath.Join(t.TempDir(), "vol")
	request := func(readonly bool) *csi.NodePublishVolumeRequest {
		return &csi.NodePublishVolumeRequest{
			VolumeId: "v", TargetPath: target, Readonly: readonly,
			VolumeCapability: capability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    map[string]string{AttrSource: "s3://b/"},
		}
	}
	req := request(false)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := d.NodePublishVolume(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if f.mounted != 1 {
		t.Fatalf("mounted %d times, want 1", f.mounted)
	}
	if _, err := d.NodePublishVolume(ctx, request(true)); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("publishing read-only over a read-write mount: %v", err)
	}
	f.mounts[target] = false // its objfs died
	if _, err := d.NodePublishVolume(ctx, req); err != nil {
		t.Fatal(err)
	}
	if f.umounts != 1 || f.mounted != 2 {
		t.Fatalf("a dead mount: %d umounts, %d mounts", f.umounts, f.mounted)
	}
	un := &csi.NodeUnpublishVolumeRequest{VolumeId: "v", TargetPath: target}
	for i := 0; i < 2; i++ {
		if _, err := d.NodeUnpublishVolume(ctx, un); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("target left: %v", err)
	}
	if _, err := os.Stat(d.stateDir(target)); !os.IsNotExist(err) {
		t.Fatalf("state left: %v", err)
	}
}

func TestBusyTargetIsAborted(t *testing.T) {
	d, _ := newTestDriver(t)
	release, err := d.claim("/t")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.NodeUnpublishVolume(context.Background(), &csi.NodeUnpublishVolumeRequest{VolumeId: "v", TargetPath: "/t"})
	if status.Code(err) != codes.Aborted {
		t.Fatalf("a busy target: %v", err)
	}
	release()
}
