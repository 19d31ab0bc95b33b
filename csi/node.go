package csi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// NodePublishVolume mounts the volume at the target path with a detached
// `objfs mount`. It is idempotent: a target already serving the same
// volume with the same access succeeds at once; a target whose objfs
// died is unmounted and mounted again.
func (d *Driver) NodePublishVolume(ctx context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id is required")
	}
	if req.GetTargetPath() == "" {
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	}
	if req.GetVolumeCapability() == nil {
		return nil, status.Error(codes.InvalidArgument, "volume capability is required")
	}
	v, err := parseVolume(req)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	release, err := d.claim(v.target)
	if err != nil {
		return nil, err
	}
	defer release()
	log := d.cfg.Logger.With("volume", v.id, "target", v.target)

	dir := d.stateDir(v.target)
	record := v.id + "\n" + strconv.FormatBool(v.readOnly) + "\n"
	mounted, alive, err := d.run.state(v.target)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if mounted && alive {
		if b, _ := os.ReadFile(filepath.Join(dir, "volume")); string(b) == record {
			return &csi.NodePublishVolumeResponse{}, nil
		}
		return nil, status.Errorf(codes.AlreadyExists, "%s is already mounted, with another volume or access", v.target)
	}
	if mounted { // its objfs died
		log.Warn("target's objfs is gone; unmounting the dead mount")
		if err := d.run.umount(ctx, v.target); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	// The target holds no live mount now: what this publish writes into
	// dir (the 0600 credentials file, the connectors file) goes again if
	// it fails for good, since the kubelet then only removes the target
	// and never unpublishes it. One that timed out keeps it for the objfs
	// that may still be starting; the kubelet unpublishes that one.
	keep := false
	defer func() {
		if !keep {
			d.removeState(v.target, log)
		}
	}()
	if err := os.MkdirAll(v.target, 0o750); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := os.MkdirAll(filepath.Join(dir, "cache"), 0o700); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	base := os.Environ()
	if d.cfg.MounterSocket != "" {
		base = nil // the mounter's own environment is the child's base
	}
	argv, env, err := v.command(d.cfg.Binary, dir, base)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err := os.WriteFile(filepath.Join(dir, "volume"), []byte(record), 0o600); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	// argv holds no secret (credentials travel in env and 0600 files).
	log.Info("mounting", "argv", strings.Join(argv[1:], " "))
	if err := d.run.mount(ctx, argv, env, v.kernel(dir)); err != nil {
		code := mountCode(err)
		msg := newScrubber(v.secrets, nil).scrub(err.Error())
		log.Error("mount failed", "err", msg)
		keep = code == codes.DeadlineExceeded || ctx.Err() != nil
		return nil, status.Error(code, msg)
	}
	keep = true
	log.Info("mounted", "read_only", v.readOnly)
	return &csi.NodePublishVolumeResponse{}, nil
}

// mountCode maps a failed objfs mount to a CSI code.
func mountCode(err error) codes.Code {
	if errors.Is(err, context.DeadlineExceeded) {
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

// NodeUnpublishVolume unmounts the target with `objfs umount` (which waits
// for pending uploads, bounded by Config.UnmountTimeout) and removes the
// target directory. Nothing mounted there is success.
func (d *Driver) NodeUnpublishVolume(ctx context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id is required")
	}
	if req.GetTargetPath() == "" {
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	}
	target := filepath.Clean(req.GetTargetPath())
	release, err := d.claim(target)
	if err != nil {
		return nil, err
	}
	defer release()
	log := d.cfg.Logger.With("volume", req.GetVolumeId(), "target", target)

	mounted, alive, err := d.run.state(target)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if mounted {
		log.Info("unmounting", "alive", alive)
		if err := d.run.umount(ctx, target); err != nil {
			log.Error("unmount failed", "err", err)
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, status.Error(codes.DeadlineExceeded, err.Error())
			}
			if m, _, _ := d.run.state(target); m {
				return nil, status.Error(codes.Internal, err.Error())
			}
		}
	}
	if err := d.run.settle(ctx, target, d.stateDir(target)); err != nil {
		if mounted && !alive {
			// The mount answered ENOTCONN: its objfs had already exited
			// (with the mounter's pod, say), so there is nobody to wait
			// for, and failing would hold the pod until a mounter is back.
			log.Warn("cannot ask the mounter about the dead mount's objfs; it had exited", "err", err)
		} else {
			log.Error("waiting for the mount's objfs to exit failed", "err", err)
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, status.Error(codes.DeadlineExceeded, err.Error())
			}
			return nil, status.Error(codes.Unavailable, err.Error())
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Error(codes.Internal, fmt.Sprintf("removing %s: %v", target, err))
	}
	d.removeState(target, log)
	log.Info("unpublished")
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

// stateDir is where the plugin keeps what a target's mount needs.
func (d *Driver) stateDir(target string) string {
	sum := sha256.Sum256([]byte(target))
	return filepath.Join(d.cfg.StateDir, "targets", hex.EncodeToString(sum[:12]))
}

// removeState removes the target's state directory, unless objfs still
// stages uploads there (an unmount that outlived its bound leaves the
// daemon uploading from cache/staging).
func (d *Driver) removeState(target string, log *slog.Logger) {
	dir := d.stateDir(target)
	if ents, err := os.ReadDir(filepath.Join(dir, "cache", "staging")); err == nil && len(ents) > 0 {
		log.Warn("objfs still stages uploads; keeping the target's state", "dir", dir)
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Warn("cannot remove the target's state", "err", err)
	}
}
