package csi

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

// publishRequest is a publish of volume "v" of s3://b/ at target, single
// node writer.
func publishRequest(target string) *csi.NodePublishVolumeRequest {
	return &csi.NodePublishVolumeRequest{
		VolumeId: "v", TargetPath: target,
		VolumeCapability: capability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
		VolumeContext:    map[string]string{AttrSource: "s3://b/"},
	}
}

func capability(mode csi.VolumeCapability_AccessMode_Mode, flags ...string) *csi.VolumeCapability {
	return &csi.VolumeCapability{
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{MountFlags: flags}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: mode},
	}
}

const secretValue = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"

func TestCommandKeepsSecretsOutOfArgv(t *testing.T) {
	dir := t.TempDir()
	v, err := parseVolume(&csi.NodePublishVolumeRequest{
		VolumeId: "v", TargetPath: "/var/lib/kubelet/pods/p/vol",
		VolumeCapability: capability(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY, "stat-ttl=1s"),
		VolumeContext: map[string]string{
			AttrSource: "s3://b/p/", AttrEndpoint: "http://minio:9000", AttrPathStyle: "true", AttrMountOptions: "list_ttl=10s",
		},
		Secrets: map[string]string{SecretAccessKeyID: "AKID", SecretSecretAccessKey: secretValue, SecretProfile: "team", SecretCredentialsFile: "[team]\naws_secret_access_key=" + secretValue},
	})
	if err != nil {
		t.Fatal(err)
	}
	argv, env, err := v.command("/objfs", dir, []string{"PATH=/bin", "AWS_SECRET_ACCESS_KEY=plugin-own"})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(argv, " ")
	if strings.Contains(joined, secretValue) || strings.Contains(joined, "AKID") || strings.Contains(joined, "team") {
		t.Fatalf("argv holds a secret's value: %s", joined)
	}
	want := "/objfs mount --allow-other --cache-dir " + dir + "/cache --log-file " + dir + "/objfs.log --read-only --endpoint http://minio:9000 --path-style -o stat-ttl=1s,list_ttl=10s s3://b/p/ /var/lib/kubelet/pods/p/vol"
	if joined != want {
		t.Fatalf("argv\n%s\nwant\n%s", joined, want)
	}
	for _, kv := range []string{"AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=" + secretValue, "AWS_PROFILE=team", "AWS_SHARED_CREDENTIALS_FILE=" + dir + "/aws-credentials"} {
		if !slices.Contains(env, kv) {
			t.Errorf("env lacks %s", strings.SplitN(kv, "=", 2)[0])
		}
	}
	if slices.Contains(env, "AWS_SECRET_ACCESS_KEY=plugin-own") {
		t.Error("the plugin's own AWS credentials reach the mount")
	}
	fi, err := os.Stat(filepath.Join(dir, "aws-credentials"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
}

func TestParseVolumeRefusals(t *testing.T) {
	base := func() *csi.NodePublishVolumeRequest { return publishRequest("/t") }
	cases := map[string]func(r *csi.NodePublishVolumeRequest){
		"relative target":   func(r *csi.NodePublishVolumeRequest) { r.TargetPath = "t" },
		"block":             func(r *csi.NodePublishVolumeRequest) { r.VolumeCapability.AccessType = &csi.VolumeCapability_Block{} },
		"no source":         func(r *csi.NodePublishVolumeRequest) { delete(r.VolumeContext, AttrSource) },
		"bad source":        func(r *csi.NodePublishVolumeRequest) { r.VolumeContext[AttrSource] = "b/p" },
		"both":              func(r *csi.NodePublishVolumeRequest) { r.VolumeContext[AttrConnectors] = "connectors: []" },
		"foreground option": func(r *csi.NodePublishVolumeRequest) { r.VolumeContext[AttrMountOptions] = "foreground" },
		"log option": func(r *csi.NodePublishVolumeRequest) {
			r.VolumeCapability.GetMount().MountFlags = []string{"log-file=/x"}
		},
		"bad bool": func(r *csi.NodePublishVolumeRequest) { r.VolumeContext[AttrReadOnly] = "maybe" },
		"half a key pair": func(r *csi.NodePublishVolumeRequest) {
			r.Secrets = map[string]string{SecretSecretAccessKey: secretValue}
		},
	}
	for name, mutate := range cases {
		r := base()
		mutate(r)
		_, err := parseVolume(r)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), secretValue) {
			t.Errorf("%s: the error holds the secret's value", name)
		}
	}
	r := base()
	r.VolumeContext[AttrReadOnly] = "true"
	if v, err := parseVolume(r); err != nil || !v.readOnly {
		t.Fatalf("readOnly attribute: %v %v", v, err)
	}
}

func TestConnectorsExportSecretByName(t *testing.T) {
	dir := t.TempDir()
	r := &csi.NodePublishVolumeRequest{
		VolumeId: "v", TargetPath: "/t",
		VolumeCapability: capability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
		VolumeContext:    map[string]string{AttrConnectors: "connectors: []\n"},
		Secrets:          map[string]string{"RAW_KEY": "id", "RAW_SECRET": secretValue},
	}
	v, err := parseVolume(r)
	if err != nil {
		t.Fatal(err)
	}
	argv, env, err := v.command("/objfs", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(argv, filepath.Join(dir, "connectors.yaml")) || !slices.Contains(env, "RAW_SECRET="+secretValue) {
		t.Fatalf("argv %v env names %d", argv, len(env))
	}
	r.Secrets = map[string]string{"LD_PRELOAD": "/x.so"}
	v, _ = parseVolume(r)
	if _, _, err := v.command("/objfs", dir, nil); err == nil {
		t.Fatal("a secret may set LD_PRELOAD")
	}
}

// TestReadOnlyIsTheDrivers: an "rw" mount option cannot undo a read-only
// access mode, an "ro" one makes the publish read-only, and noexec
// reaches the kernel's mount.
func TestReadOnlyIsTheDrivers(t *testing.T) {
	req := func(mode csi.VolumeCapability_AccessMode_Mode, flags ...string) *csi.NodePublishVolumeRequest {
		return &csi.NodePublishVolumeRequest{
			VolumeId: "v", TargetPath: "/t", VolumeCapability: capability(mode, flags...),
			VolumeContext: map[string]string{AttrSource: "s3://b/"},
		}
	}
	v, err := parseVolume(req(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY, "rw", "noexec"))
	if err != nil {
		t.Fatal(err)
	}
	argv, _, err := v.command("/objfs", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.readOnly || !slices.Contains(argv, "--read-only") || slices.Contains(strings.Split(strings.Join(argv, ","), ","), "rw") {
		t.Fatalf("read-only access with an rw option: %v", argv)
	}
	if k := v.kernel("/d"); !k.ReadOnly || !k.NoExec || k.FSName != "s3://b/" {
		t.Fatalf("kernel %+v", k)
	}
	v, err = parseVolume(req(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER, "ro"))
	if err != nil || !v.readOnly {
		t.Fatalf("an ro option: %v %v", v, err)
	}
}

// TestFlagSpelledOptionsReachTheKernel: objfs takes every mount flag as
// an -o option (no_exec, read-only=true, ...), and objfs mount gives
// those to the kernel's mount; in hand-off mode the plugin makes that
// mount itself, so it must read them too, or a noexec volume is exec
// and a read-only one is rw in the mount table.
func TestFlagSpelledOptionsReachTheKernel(t *testing.T) {
	for _, tc := range []struct {
		opts           string
		ro, noExec     bool
		readOnlyInArgv bool
	}{
		{opts: "no_exec", noExec: true},
		{opts: "no-exec=true", noExec: true},
		{opts: "noexec,no_exec=false", noExec: false},
		{opts: "no_exec,exec", noExec: false},
		{opts: "read_only", ro: true, readOnlyInArgv: true},
		{opts: "read-only=true", ro: true, readOnlyInArgv: true},
		{opts: "read_only=1", ro: true, readOnlyInArgv: true},
		{opts: "read_only=false", ro: false},
	} {
		v, err := parseVolume(&csi.NodePublishVolumeRequest{
			VolumeId: "v", TargetPath: "/t",
			VolumeCapability: capability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    map[string]string{AttrSource: "s3://b/", AttrMountOptions: tc.opts},
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.opts, err)
		}
		if k := v.kernel("/d"); k.ReadOnly != tc.ro || k.NoExec != tc.noExec {
			t.Errorf("-o %s: kernel mount %+v, want read-only %v noexec %v", tc.opts, k, tc.ro, tc.noExec)
		}
		argv, _, err := v.command("/objfs", t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(argv, "--read-only") != tc.readOnlyInArgv {
			t.Errorf("-o %s: argv %v", tc.opts, argv)
		}
	}
	// A read-only access mode stays read-only whatever the options say.
	v, err := parseVolume(&csi.NodePublishVolumeRequest{
		VolumeId: "v", TargetPath: "/t",
		VolumeCapability: capability(csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY, "read_only=false", "read-only=0"),
		VolumeContext:    map[string]string{AttrSource: "s3://b/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	argv, _, err := v.command("/objfs", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k := v.kernel("/d"); !k.ReadOnly || !slices.Contains(argv, "--read-only") || strings.Contains(strings.Join(argv, " "), "read_only=false") {
		t.Fatalf("read-only access with read_only=false: kernel %+v argv %v", k, argv)
	}
}

// TestRequestSizeReachesTheKernel: max-request-size sets the mount's
// max_read, which in hand-off mode is the plugin's mount(2): the option
// must reach it, as objfs mount gives it to its own mount.
func TestRequestSizeReachesTheKernel(t *testing.T) {
	for opts, want := range map[string]string{
		"max-request-size=4M":                     "4M",
		"max_request_size=8M,stat-ttl=1s":         "8M",
		"max_request_size=2M,max-request-size=1M": "1M",
		"stat-ttl=1s":                             "",
	} {
		v, err := parseVolume(&csi.NodePublishVolumeRequest{
			VolumeId: "v", TargetPath: "/t",
			VolumeCapability: capability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    map[string]string{AttrSource: "s3://b/", AttrMountOptions: opts},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := v.kernel("/d").MaxRequestSize; got != want {
			t.Errorf("-o %s: kernel mount's request size %q, want %q", opts, got, want)
		}
	}
}
