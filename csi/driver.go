package csi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultDriverName is the name the CSIDriver object and PVs use.
const DefaultDriverName = "csi.objfs.io"

// Config is what a Driver needs; Validate fills defaults.
type Config struct {
	DriverName     string        // CSI plugin name (DefaultDriverName)
	Version        string        // vendor version reported by GetPluginInfo
	NodeID         string        // this node's id (required)
	Binary         string        // the objfs binary run for mount and umount (required)
	StateDir       string        // per-target state (required, absolute)
	MountTimeout   time.Duration // how long objfs mount may take (default 2m)
	UnmountTimeout time.Duration // how long objfs umount may wait for uploads (default 5m)
	MountInfo      string        // the mount table (default /proc/self/mountinfo)
	Logger         *slog.Logger  // never given a secret's value

	// MounterSocket, when set, is objfs csi-mounter's socket: each
	// publish mounts with MountFUSE and hands the descriptor over
	// (handoff.go). Empty: objfs mount runs in daemon mode here.
	MounterSocket string
	// MountFUSE opens /dev/fuse and mounts it at target (required with
	// MounterSocket; cmd/objfs gives fs.MountFD).
	MountFUSE func(target string, k KernelMount) (*os.File, error)

	// Store, when set, enables the Controller service (controller.go):
	// dynamic provisioning of prefixes. nil: static provisioning only.
	Store Store
}

// Validate checks c and fills its defaults.
func (c *Config) Validate() error {
	if c.DriverName == "" {
		c.DriverName = DefaultDriverName
	}
	if c.NodeID == "" {
		return errors.New("a node id is required")
	}
	if c.Binary == "" {
		return errors.New("the objfs binary is required")
	}
	if !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("state directory %q is not absolute", c.StateDir)
	}
	if c.MountTimeout <= 0 {
		c.MountTimeout = 2 * time.Minute
	}
	if c.UnmountTimeout <= 0 {
		c.UnmountTimeout = 5 * time.Minute
	}
	if c.MounterSocket != "" && c.MountFUSE == nil {
		return errors.New("a mounter socket needs MountFUSE")
	}
	if c.MountInfo == "" {
		c.MountInfo = "/proc/self/mountinfo"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Driver serves the CSI Identity and Node services.
type Driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedNodeServer
	csi.UnimplementedControllerServer

	cfg Config
	run runner

	mu   sync.Mutex
	busy map[string]bool // target paths with an operation in flight (mu)
}

var (
	_ csi.IdentityServer   = (*Driver)(nil)
	_ csi.NodeServer       = (*Driver)(nil)
	_ csi.ControllerServer = (*Driver)(nil)
)

// New returns a Driver for cfg.
func New(cfg Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "targets"), 0o700); err != nil {
		return nil, err
	}
	d := &Driver{cfg: cfg, busy: map[string]bool{}}
	d.run = execRunner{cfg: &d.cfg}
	if cfg.MounterSocket != "" {
		d.run = handoffRunner{cfg: &d.cfg, exec: execRunner{cfg: &d.cfg}}
	}
	return d, nil
}

// GetPluginInfo names the plugin.
func (d *Driver) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: d.cfg.DriverName, VendorVersion: d.cfg.Version}, nil
}

// GetPluginCapabilities advertises the Controller service when it is
// served (Config.Store), and no topology.
func (d *Driver) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	if d.cfg.Store == nil {
		return &csi.GetPluginCapabilitiesResponse{}, nil
	}
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

// Probe reports ready once the objfs binary is there.
func (d *Driver) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	if _, err := os.Stat(d.cfg.Binary); err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "objfs binary: %v", err)
	}
	return &csi.ProbeResponse{}, nil
}

// NodeGetCapabilities advertises no optional RPC: there is no staging (a
// FUSE mount per pod is the publish) and no volume statistics.
func (d *Driver) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil
}

// NodeGetInfo names the node; volumes have no topology and no limit.
func (d *Driver) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: d.cfg.NodeID}, nil
}

// claim marks target busy, or says it is.
func (d *Driver) claim(target string) (release func(), err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[target] {
		return nil, status.Errorf(codes.Aborted, "an operation on %s is in progress", target)
	}
	d.busy[target] = true
	return func() {
		d.mu.Lock()
		delete(d.busy, target)
		d.mu.Unlock()
	}, nil
}
