package csi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fakeRunner records calls and keeps a mount table of its own.
type fakeRunner struct {
	mounts    map[string]bool // target -> alive
	mounted   int
	umounts   int
	mountFail error // what mount returns, when set
	settleErr error // what settle returns, when set
}

func (f *fakeRunner) mount(_ context.Context, argv, _ []string, _ KernelMount) error {
	if f.mountFail != nil {
		return f.mountFail
	}
	f.mounts[argv[len(argv)-1]] = true
	f.mounted++
	return nil
}

func (f *fakeRunner) umount(_ context.Context, target string) error {
	delete(f.mounts, target)
	f.umounts++
	return nil
}

func (f *fakeRunner) settle(context.Context, string, string) error { return f.settleErr }

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
		req := publishRequest(target)
		req.Readonly = readonly
		return req
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

// TestFailedPublishLeavesNoSecret: a publish that fails for good (the
// kubelet then removes the target directory and never unpublishes)
// takes away what it wrote under the state directory, the 0600
// credentials file above all; a publish that timed out (the kubelet
// will unpublish it) keeps it for the objfs that may still be starting.
func TestFailedPublishLeavesNoSecret(t *testing.T) {
	d, f := newTestDriver(t)
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "vol")
	req := publishRequest(target)
	req.Secrets = map[string]string{SecretProfile: "p", SecretCredentialsFile: "[p]\naws_secret_access_key=" + secretValue}
	f.mountFail = errors.New("objfs mount: bucket b: access denied")
	if _, err := d.NodePublishVolume(ctx, req); status.Code(err) != codes.Internal {
		t.Fatalf("a failed mount: %v", err)
	}
	if _, err := os.Stat(d.stateDir(target)); !os.IsNotExist(err) {
		t.Fatalf("a failed publish left its state (the credentials file): %v", err)
	}

	// An objfs that did not answer in time may still be starting: the
	// kubelet unpublishes it, and that removes the state.
	f.mountFail = fmt.Errorf("objfs mount did not finish in time: %w", context.DeadlineExceeded)
	if _, err := d.NodePublishVolume(ctx, req); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("a timed-out mount: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.stateDir(target), "aws-credentials")); err != nil {
		t.Fatalf("a timed-out publish removed the state its objfs may use: %v", err)
	}
	if _, err := d.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "v", TargetPath: target}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.stateDir(target)); !os.IsNotExist(err) {
		t.Fatalf("state left after unpublish: %v", err)
	}

	// A refused publish over a live mount of another volume leaves that
	// mount's state alone.
	f.mountFail = nil
	if _, err := d.NodePublishVolume(ctx, req); err != nil {
		t.Fatal(err)
	}
	other := proto.Clone(req).(*csi.NodePublishVolumeRequest)
	other.VolumeId = "w"
	if _, err := d.NodePublishVolume(ctx, other); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("another volume over a live mount: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.stateDir(target), "volume")); err != nil {
		t.Fatalf("a refused publish removed the live mount's state: %v", err)
	}
}

// TestUnpublishDeadMountWithoutMounter: when the mounter's pod is gone
// (deleted, drained, uninstalled) its objfs processes are gone with it
// and every mount they served answers ENOTCONN. Unpublishing such a
// target must still succeed: nobody is left to wait for, and failing
// would keep the pod Terminating until a mounter comes back.
func TestUnpublishDeadMountWithoutMounter(t *testing.T) {
	d, f := newTestDriver(t)
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "vol")
	req := publishRequest(target)
	if _, err := d.NodePublishVolume(ctx, req); err != nil {
		t.Fatal(err)
	}
	f.mounts[target] = false // its objfs died
	f.settleErr = errors.New("objfs csi-mounter at /m.sock: dial unixpacket /m.sock: connect: connection refused")
	if _, err := d.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "v", TargetPath: target}); err != nil {
		t.Fatalf("unpublishing a dead mount with no mounter: %v", err)
	}
	if f.mounts[target] || f.umounts != 1 {
		t.Fatalf("the dead mount is still there (%d umounts)", f.umounts)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("target left: %v", err)
	}

	// A live mount still waits for its objfs: no mounter, no success.
	if _, err := d.NodePublishVolume(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := d.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "v", TargetPath: target}); status.Code(err) != codes.Unavailable {
		t.Fatalf("unpublishing a live mount with no mounter: %v, want Unavailable", err)
	}
}
