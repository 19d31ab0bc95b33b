package csi

import (
	"context"
	"strings"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeStore keeps markers by volume id.
type fakeStore struct {
	markers map[string]int64
	deletes int
}

func (f *fakeStore) Stat(_ context.Context, loc Location, _ map[string]string) (int64, bool, error) {
	c, ok := f.markers[volumeID(loc)]
	return c, ok, nil
}

func (f *fakeStore) Create(_ context.Context, loc Location, capacity int64, _ map[string]string) error {
	f.markers[volumeID(loc)] = capacity
	return nil
}

func (f *fakeStore) Delete(_ context.Context, loc Location, _ map[string]string) error {
	delete(f.markers, volumeID(loc))
	f.deletes++
	return nil
}

func TestVolumeIDRoundTrip(t *testing.T) {
	for _, loc := range []Location{
		{Bucket: "b", Prefix: "pvc-1/"},
		{Endpoint: "http://minio:9000/x?y", Region: "eu-west-1", PathStyle: true, Bucket: "b", Prefix: "base/deeper/pvc-2/"},
	} {
		got, ok := parseVolumeID(volumeID(loc))
		if !ok || got != loc {
			t.Errorf("%+v: id %q parses to %+v %v", loc, volumeID(loc), got, ok)
		}
	}
	for _, bad := range []string{"", "b", "b/", "/p/", "b/p", "b/a//p/", "b/p/?pathStyle=maybe"} {
		if _, ok := parseVolumeID(bad); ok {
			t.Errorf("%q parsed as a volume id", bad)
		}
	}
}

func TestControllerCreateDelete(t *testing.T) {
	d, _ := newTestDriver(t)
	store := &fakeStore{markers: map[string]int64{}}
	d.cfg.Store = store
	ctx := context.Background()
	params := map[string]string{ParamBucket: "b", ParamPrefix: "/team/", AttrEndpoint: "http://minio:9000", AttrPathStyle: "true"}
	req := func(capacity int64) *csi.CreateVolumeRequest {
		return &csi.CreateVolumeRequest{
			Name: "pvc-1", Parameters: params, CapacityRange: &csi.CapacityRange{RequiredBytes: capacity},
			VolumeCapabilities: []*csi.VolumeCapability{capability(csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER)},
		}
	}
	r1, err := d.CreateVolume(ctx, req(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	v := r1.GetVolume()
	if v.GetVolumeContext()[AttrSource] != "s3://b/team/pvc-1/" || v.GetVolumeContext()[AttrEndpoint] != "http://minio:9000" || v.GetCapacityBytes() != 1<<30 {
		t.Fatalf("volume %+v", v)
	}
	if r2, err := d.CreateVolume(ctx, req(1<<30)); err != nil || r2.GetVolume().GetVolumeId() != v.GetVolumeId() {
		t.Fatalf("a repeated create: %v %v", r2, err)
	}
	if _, err := d.CreateVolume(ctx, req(2<<30)); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("same name, other capacity: %v", err)
	}
	for name, mutate := range map[string]func(*csi.CreateVolumeRequest){
		"no name":       func(r *csi.CreateVolumeRequest) { r.Name = "" },
		"no bucket":     func(r *csi.CreateVolumeRequest) { r.Parameters = map[string]string{} },
		"unknown param": func(r *csi.CreateVolumeRequest) { r.Parameters = map[string]string{ParamBucket: "b", "buckte": "x"} },
		"block": func(r *csi.CreateVolumeRequest) {
			r.VolumeCapabilities[0].AccessType = &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}}
		},
		"no capabilities": func(r *csi.CreateVolumeRequest) { r.VolumeCapabilities = nil },
		"name with /":     func(r *csi.CreateVolumeRequest) { r.Name = "a/b" },
	} {
		r := req(0)
		mutate(r)
		if _, err := d.CreateVolume(ctx, r); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	vr := &csi.ValidateVolumeCapabilitiesRequest{VolumeId: v.GetVolumeId(), VolumeCapabilities: req(0).VolumeCapabilities}
	if r, err := d.ValidateVolumeCapabilities(ctx, vr); err != nil || r.GetConfirmed() == nil {
		t.Fatalf("validate: %v %v", r, err)
	}
	if _, err := d.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: v.GetVolumeId()}); err != nil || len(store.markers) != 0 {
		t.Fatalf("delete: %v, markers %v", err, store.markers)
	}
	if _, err := d.ValidateVolumeCapabilities(ctx, vr); status.Code(err) != codes.NotFound {
		t.Fatalf("validate a deleted volume: %v", err)
	}
	if _, err := d.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: "not-ours"}); err != nil || store.deletes != 1 {
		t.Fatalf("delete of an id this driver never made: %v (%d deletes)", err, store.deletes)
	}
	caps, _ := d.GetPluginCapabilities(ctx, nil)
	if len(caps.GetCapabilities()) != 1 || caps.GetCapabilities()[0].GetService().GetType() != csi.PluginCapability_Service_CONTROLLER_SERVICE {
		t.Fatalf("plugin capabilities with a Store: %v", caps)
	}
}

// TestControllerRefusesUnmountablePrefixes: a volume whose prefix no
// mount can serve (a ".", ".." or empty segment, a NUL, a segment over
// 255 bytes: objfs refuses such a source, and hides such keys) is
// refused at CreateVolume, not made and then failing every publish; a
// volume id with such a prefix is not one this driver made.
func TestControllerRefusesUnmountablePrefixes(t *testing.T) {
	d, _ := newTestDriver(t)
	store := &fakeStore{markers: map[string]int64{}}
	d.cfg.Store = store
	ctx := context.Background()
	caps := []*csi.VolumeCapability{capability(csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER)}
	for _, tc := range []struct{ name, prefix string }{
		{"pvc-1", "a/./b"},
		{"pvc-1", "a/../b"},
		{"pvc-1", "./"},
		{"pvc-1", "a/" + strings.Repeat("x", 256)},
		{"pvc-\x00", ""},
		{strings.Repeat("n", 256), ""},
	} {
		_, err := d.CreateVolume(ctx, &csi.CreateVolumeRequest{
			Name: tc.name, Parameters: map[string]string{ParamBucket: "b", ParamPrefix: tc.prefix}, VolumeCapabilities: caps,
		})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("name %q prefix %q: %v, want InvalidArgument", tc.name, tc.prefix, err)
		}
	}
	if len(store.markers) != 0 {
		t.Errorf("made %v", store.markers)
	}
	for _, id := range []string{"b//", "b/../", "b/./p/", "b/a/../p/"} {
		if _, ok := parseVolumeID(id); ok {
			t.Errorf("%q parsed as a volume id", id)
		}
	}
}
