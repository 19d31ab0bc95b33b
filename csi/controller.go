package csi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The Controller service: dynamic provisioning. A StorageClass names a
// bucket (and a base prefix); each volume is a new prefix
// BUCKET/BASE/<volume name>/, made with a directory marker that records
// the requested capacity, and deleted with every object under it when
// the PV's reclaim policy is Delete (Retain never calls DeleteVolume).
// The only capability is CREATE_DELETE_VOLUME.

// StorageClass parameters. endpoint, region and pathStyle are also
// accepted, as the volume attributes of the same names.
const (
	ParamBucket = "bucket" // required
	ParamPrefix = "prefix" // base prefix of the volumes (optional)
)

// Location is where a volume lives.
type Location struct {
	Endpoint, Region string
	PathStyle        bool
	Bucket, Prefix   string // Prefix ends with "/"
}

// Store is what the Controller needs of S3; cmd/objfs implements it with
// package remote. secrets are the provisioner secret's entries
// (accessKeyID, secretAccessKey, sessionToken); errors never hold them.
type Store interface {
	// Stat returns the capacity the volume's marker records and whether
	// the marker exists.
	Stat(ctx context.Context, loc Location, secrets map[string]string) (capacity int64, exists bool, err error)
	// Create writes the volume's marker.
	Create(ctx context.Context, loc Location, capacity int64, secrets map[string]string) error
	// Delete removes every object (and unfinished upload) under the
	// prefix; nothing there is success.
	Delete(ctx context.Context, loc Location, secrets map[string]string) error
}

// volumeID encodes loc: BUCKET/PREFIX, then the connection settings as a
// query, since DeleteVolume gets nothing but the id and the secret.
func volumeID(loc Location) string {
	q := url.Values{}
	if loc.Endpoint != "" {
		q.Set(AttrEndpoint, loc.Endpoint)
	}
	if loc.Region != "" {
		q.Set(AttrRegion, loc.Region)
	}
	if loc.PathStyle {
		q.Set(AttrPathStyle, "true")
	}
	id := loc.Bucket + "/" + loc.Prefix
	if len(q) > 0 {
		id += "?" + q.Encode()
	}
	return id
}

// parseVolumeID is volumeID's inverse; false for an id it did not make.
func parseVolumeID(id string) (Location, bool) {
	path, query, _ := strings.Cut(id, "?")
	bucket, prefix, ok := strings.Cut(path, "/")
	if !ok || bucket == "" || prefixProblem(prefix) != "" {
		return Location{}, false
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Location{}, false
	}
	ps, err := boolAttr(map[string]string{AttrPathStyle: q.Get(AttrPathStyle)}, AttrPathStyle)
	if err != nil {
		return Location{}, false
	}
	return Location{Endpoint: q.Get(AttrEndpoint), Region: q.Get(AttrRegion), PathStyle: ps, Bucket: bucket, Prefix: prefix}, true
}

// ControllerGetCapabilities advertises CREATE_DELETE_VOLUME only.
func (d *Driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: []*csi.ControllerServiceCapability{{
		Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{
			Type: csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME}},
	}}}, nil
}

// CreateVolume makes the prefix BUCKET/BASE/NAME/ of the StorageClass's
// bucket. It is idempotent: the same name with the same capacity returns
// the same volume; with another capacity, AlreadyExists.
func (d *Driver) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "a volume name is required")
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if req.GetVolumeContentSource() != nil {
		return nil, status.Error(codes.InvalidArgument, "objfs volumes cannot be made from a snapshot or another volume")
	}
	loc, err := locationOf(req.GetName(), req.GetParameters())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	capacity := req.GetCapacityRange().GetRequiredBytes()
	if limit := req.GetCapacityRange().GetLimitBytes(); limit > 0 && capacity > limit {
		return nil, status.Errorf(codes.OutOfRange, "required %d bytes over the limit of %d", capacity, limit)
	}
	release, err := d.claim("create:" + req.GetName())
	if err != nil {
		return nil, err
	}
	defer release()
	had, exists, err := d.cfg.Store.Stat(ctx, loc, req.GetSecrets())
	if err != nil {
		return nil, storeError(err, req.GetSecrets())
	}
	if exists && had != capacity {
		return nil, status.Errorf(codes.AlreadyExists, "volume %s exists with a capacity of %d bytes, not %d", req.GetName(), had, capacity)
	}
	if !exists {
		if err := d.cfg.Store.Create(ctx, loc, capacity, req.GetSecrets()); err != nil {
			return nil, storeError(err, req.GetSecrets())
		}
		d.cfg.Logger.Info("volume created", "volume", volumeID(loc))
	}
	vc := map[string]string{AttrSource: "s3://" + loc.Bucket + "/" + loc.Prefix}
	for _, k := range []string{AttrEndpoint, AttrRegion, AttrPathStyle, AttrMountOptions} {
		if v := req.GetParameters()[k]; v != "" {
			vc[k] = v
		}
	}
	return &csi.CreateVolumeResponse{Volume: &csi.Volume{VolumeId: volumeID(loc), CapacityBytes: capacity, VolumeContext: vc}}, nil
}

// locationOf is where the StorageClass's parameters put volume name.
func locationOf(name string, params map[string]string) (Location, error) {
	known := []string{ParamBucket, ParamPrefix, AttrEndpoint, AttrRegion, AttrPathStyle, AttrMountOptions}
	for k := range params {
		if !contains(known, k) && !strings.HasPrefix(k, "csi.storage.k8s.io/") {
			return Location{}, fmt.Errorf("unknown StorageClass parameter %q", k)
		}
	}
	bucket := params[ParamBucket]
	if bucket == "" || strings.ContainsAny(bucket, "/?") {
		return Location{}, fmt.Errorf("StorageClass parameter %q (a bucket name) is required", ParamBucket)
	}
	if strings.ContainsAny(name, "/?") || name == "." || name == ".." {
		return Location{}, fmt.Errorf("volume name %q cannot be a key's path element", name)
	}
	ps, err := boolAttr(params, AttrPathStyle)
	if err != nil {
		return Location{}, err
	}
	prefix := name + "/"
	if base := strings.Trim(params[ParamPrefix], "/"); base != "" {
		if strings.Contains(base, "//") || strings.Contains(base, "?") {
			return Location{}, fmt.Errorf("StorageClass parameter %q is not a clean prefix", ParamPrefix)
		}
		prefix = base + "/" + prefix
	}
	if why := prefixProblem(prefix); why != "" {
		return Location{}, fmt.Errorf("volume prefix %q (StorageClass parameter %q, then the volume name): %s", prefix, ParamPrefix, why)
	}
	return Location{Endpoint: params[AttrEndpoint], Region: params[AttrRegion], PathStyle: ps, Bucket: bucket, Prefix: prefix}, nil
}

// prefixProblem says why prefix (non-empty, ending with "/") cannot be a
// volume: objfs mounts only a prefix whose every segment can be a file
// name (not empty, "." or "..", no NUL, at most 255 bytes), and hides
// keys with other segments. "" when it can.
func prefixProblem(prefix string) string {
	if !strings.HasSuffix(prefix, "/") {
		return "it does not end with /"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		switch {
		case seg == "":
			return "an empty segment (// or a leading /)"
		case seg == "." || seg == "..":
			return `a "." or ".." segment`
		case len(seg) > 255:
			return "a segment over 255 bytes"
		case strings.IndexByte(seg, 0) >= 0:
			return "a NUL byte"
		}
	}
	return ""
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// DeleteVolume deletes every object under the volume's prefix. An id
// this driver did not make, or a prefix already empty, is success.
func (d *Driver) DeleteVolume(ctx context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id is required")
	}
	loc, ok := parseVolumeID(req.GetVolumeId())
	if !ok {
		return &csi.DeleteVolumeResponse{}, nil
	}
	release, err := d.claim("volume:" + req.GetVolumeId())
	if err != nil {
		return nil, err
	}
	defer release()
	if err := d.cfg.Store.Delete(ctx, loc, req.GetSecrets()); err != nil {
		return nil, storeError(err, req.GetSecrets())
	}
	d.cfg.Logger.Info("volume deleted", "volume", req.GetVolumeId())
	return &csi.DeleteVolumeResponse{}, nil
}

// ValidateVolumeCapabilities confirms mount access in any mode for a
// volume whose marker exists.
func (d *Driver) ValidateVolumeCapabilities(ctx context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume id is required")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	loc, ok := parseVolumeID(req.GetVolumeId())
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %s", req.GetVolumeId())
	}
	_, exists, err := d.cfg.Store.Stat(ctx, loc, req.GetSecrets())
	if err != nil {
		return nil, storeError(err, req.GetSecrets())
	}
	if !exists {
		return nil, status.Errorf(codes.NotFound, "no volume %s", req.GetVolumeId())
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext:      req.GetVolumeContext(),
		VolumeCapabilities: req.GetVolumeCapabilities(),
		Parameters:         req.GetParameters(),
	}}, nil
}

// checkCapabilities accepts mount access (fsType objfs or none) in any
// known access mode.
func checkCapabilities(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return errors.New("volume capabilities are required")
	}
	for _, c := range caps {
		if c.GetBlock() != nil || c.GetMount() == nil {
			return errors.New("objfs volumes are file systems: only mount access is supported")
		}
		if fs := c.GetMount().GetFsType(); fs != "" && fs != "objfs" && fs != "fuse.objfs" {
			return fmt.Errorf("fsType %q is not objfs", fs)
		}
		if c.GetAccessMode().GetMode() == csi.VolumeCapability_AccessMode_UNKNOWN {
			return errors.New("a volume capability has no access mode")
		}
	}
	return nil
}

// ErrStoreDenied and ErrStoreNoBucket classify Store errors for codes.
var (
	ErrStoreDenied   = errors.New("access denied")
	ErrStoreNoBucket = errors.New("no such bucket")
)

// storeError is err as the status a Controller call returns, without
// the values of the call's secrets.
func storeError(err error, secrets map[string]string) error {
	return status.Error(storeCode(err), newScrubber(secrets, nil).scrub(err.Error()))
}

func storeCode(err error) codes.Code {
	switch {
	case errors.Is(err, ErrStoreDenied):
		return codes.PermissionDenied
	case errors.Is(err, ErrStoreNoBucket):
		return codes.FailedPrecondition
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

// capacityMeta is the marker's metadata key for the requested capacity.
const capacityMeta = "objfs-csi-capacity"

// CapacityMetadata and ParseCapacityMetadata are the marker's metadata
// for Store implementations.
func CapacityMetadata(capacity int64) map[string]string {
	return map[string]string{capacityMeta: strconv.FormatInt(capacity, 10)}
}

// ParseCapacityMetadata reads CapacityMetadata back (0 when absent).
func ParseCapacityMetadata(meta map[string]string) int64 {
	n, _ := strconv.ParseInt(meta[capacityMeta], 10, 64)
	return n
}
