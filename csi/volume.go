package csi

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

// Volume context (PV spec.csi.volumeAttributes) keys.
const (
	AttrSource       = "source"       // s3://BUCKET[/PREFIX/] (or s3://)
	AttrEndpoint     = "endpoint"     // http(s) URL; empty for AWS
	AttrRegion       = "region"       //
	AttrPathStyle    = "pathStyle"    // "true" for MinIO and most non-AWS servers
	AttrReadOnly     = "readOnly"     // "true": every change is EROFS
	AttrMountOptions = "mountOptions" // objfs -o options, comma-separated
	AttrConnectors   = "connectors"   // a connectors file's YAML, instead of source
)

// Node-publish secret keys.
const (
	SecretAccessKeyID     = "accessKeyID"
	SecretSecretAccessKey = "secretAccessKey"
	SecretSessionToken    = "sessionToken"
	SecretProfile         = "profile"     // a profile of credentialsFile (or of the image's ~/.aws)
	SecretCredentialsFile = "credentials" // an AWS shared credentials file's content
)

// volume is one publish request, checked.
type volume struct {
	id         string
	target     string
	readOnly   bool
	noExec     bool   // a noexec option (the last of noexec and exec)
	maxRequest string // the last max-request-size option's value
	attrs      map[string]string
	options    []string          // mount options: the capability's flags, then mountOptions
	secrets    map[string]string // never logged, never in argv
	connectors bool
}

// parseVolume checks what NodePublishVolume received; its errors name
// keys, never values of the secret.
func parseVolume(req *csi.NodePublishVolumeRequest) (*volume, error) {
	v := &volume{
		id:      req.GetVolumeId(),
		target:  req.GetTargetPath(),
		attrs:   req.GetVolumeContext(),
		secrets: req.GetSecrets(),
	}
	if v.attrs == nil {
		v.attrs = map[string]string{}
	}
	if !filepath.IsAbs(v.target) {
		return nil, fmt.Errorf("target path %q is not absolute", v.target)
	}
	v.target = filepath.Clean(v.target)
	vc := req.GetVolumeCapability()
	if vc.GetBlock() != nil {
		return nil, fmt.Errorf("objfs volumes are file systems: block access is not supported")
	}
	if vc.GetMount() == nil {
		return nil, fmt.Errorf("the volume capability has no mount access type")
	}
	if fs := vc.GetMount().GetFsType(); fs != "" && fs != "objfs" && fs != "fuse.objfs" {
		return nil, fmt.Errorf("fsType %q is not objfs", fs)
	}
	switch vc.GetAccessMode().GetMode() {
	case csi.VolumeCapability_AccessMode_SINGLE_NODE_READER_ONLY,
		csi.VolumeCapability_AccessMode_MULTI_NODE_READER_ONLY:
		v.readOnly = true
	case csi.VolumeCapability_AccessMode_UNKNOWN:
		return nil, fmt.Errorf("the volume capability has no access mode")
	}
	ro, err := boolAttr(v.attrs, AttrReadOnly)
	if err != nil {
		return nil, err
	}
	v.readOnly = v.readOnly || ro || req.GetReadonly()
	for _, f := range vc.GetMount().GetMountFlags() {
		v.options = append(v.options, splitOptions(f)...)
	}
	v.options = append(v.options, splitOptions(v.attrs[AttrMountOptions])...)
	// Read-only is the driver's to decide (any of the access mode, the
	// readonly flags, the attribute or an "ro" option, or the flag's own
	// spelling read_only[=true]): an "rw" option or read_only=false must
	// not undo it.
	v.options = slices.DeleteFunc(v.options, func(o string) bool {
		if on, ok := boolOption(o, "ro", "rw", "read_only"); ok {
			v.readOnly = v.readOnly || on
			return true
		}
		return false
	})
	for _, o := range v.options {
		// The kernel's mount (the plugin makes it in hand-off mode) must
		// agree with objfs's --no-exec, however the option spells it.
		if on, ok := boolOption(o, "noexec", "exec", "no_exec"); ok {
			v.noExec = on
		}
		name, value, _ := strings.Cut(o, "=")
		if strings.ReplaceAll(name, "-", "_") == "max_request_size" {
			v.maxRequest = value
		}
		switch strings.ReplaceAll(name, "-", "_") {
		case "foreground", "f", "log_file", "cache_dir", "connectors", "profile":
			return nil, fmt.Errorf("mount option %q is set by the driver (or the secret) and cannot be given", name)
		}
	}
	_, hasSource := v.attrs[AttrSource]
	_, v.connectors = v.attrs[AttrConnectors]
	switch {
	case hasSource && v.connectors:
		return nil, fmt.Errorf("volume attributes %q and %q exclude each other", AttrSource, AttrConnectors)
	case !hasSource && !v.connectors:
		return nil, fmt.Errorf("volume attribute %q (s3://BUCKET/PREFIX/) or %q is required", AttrSource, AttrConnectors)
	case hasSource && !strings.HasPrefix(v.attrs[AttrSource], "s3://"):
		return nil, fmt.Errorf("volume attribute %q must start with s3://", AttrSource)
	}
	if v.connectors {
		for _, k := range []string{AttrEndpoint, AttrRegion, AttrPathStyle} {
			if _, ok := v.attrs[k]; ok {
				return nil, fmt.Errorf("volume attribute %q cannot be combined with %q (each connector names its own)", k, AttrConnectors)
			}
		}
	}
	if _, err := boolAttr(v.attrs, AttrPathStyle); err != nil {
		return nil, err
	}
	return v, v.checkSecret()
}

// checkSecret refuses half a key pair; values are never in the message.
func (v *volume) checkSecret() error {
	_, id := v.secrets[SecretAccessKeyID]
	_, key := v.secrets[SecretSecretAccessKey]
	if id != key {
		return fmt.Errorf("the node-publish secret must hold both %q and %q, or neither", SecretAccessKeyID, SecretSecretAccessKey)
	}
	for k := range v.secrets {
		if !envName.MatchString(k) {
			return fmt.Errorf("node-publish secret key %q is not a valid name", k)
		}
	}
	return nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func boolAttr(attrs map[string]string, key string) (bool, error) {
	switch strings.ToLower(attrs[key]) {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	}
	return false, fmt.Errorf("volume attribute %q must be true or false", key)
}

// boolOption reads option o as the boolean mount(8) spells on and off
// and objfs's flag spells flag[=BOOL] (- or _ between words); ok is
// false for any other option, and for a value objfs itself would refuse.
func boolOption(o, on, off, flag string) (value, ok bool) {
	switch o {
	case on:
		return true, true
	case off:
		return false, true
	}
	name, val, hasValue := strings.Cut(o, "=")
	if strings.ReplaceAll(name, "-", "_") != flag {
		return false, false
	}
	if !hasValue {
		return true, true
	}
	b, err := strconv.ParseBool(val)
	return b, err == nil
}

func splitOptions(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Environment variables a secret entry may never set (connectors mode
// exports the secret's entries by name).
var reservedEnv = regexp.MustCompile(`^(PATH|HOME|TMPDIR|XDG_.*|LD_.*|GO.*|NOTIFY_SOCKET|OBJFS_.*)$`)

// kernel is what the mount(2) of v needs to know (hand-off mode).
func (v *volume) kernel(dir string) KernelMount {
	name := v.attrs[AttrSource]
	if v.connectors {
		name = "connectors:" + filepath.Join(dir, "connectors.yaml")
	}
	return KernelMount{FSName: name, ReadOnly: v.readOnly, NoExec: v.noExec, MaxRequestSize: v.maxRequest}
}

// command returns the argv and environment of `objfs mount` for v, after
// writing the files it needs (0600) into dir.
func (v *volume) command(binary, dir string, base []string) (argv, env []string, err error) {
	argv = []string{binary, "mount",
		"--allow-other", // pods run as users other than the plugin's
		"--cache-dir", filepath.Join(dir, "cache"),
		"--log-file", filepath.Join(dir, "objfs.log"),
	}
	if v.readOnly {
		argv = append(argv, "--read-only")
	}
	env = withoutAWS(base)
	if v.connectors {
		file := filepath.Join(dir, "connectors.yaml")
		if err := writeSecretFile(file, v.attrs[AttrConnectors]); err != nil {
			return nil, nil, err
		}
		for k, val := range v.secrets {
			if reservedEnv.MatchString(k) {
				return nil, nil, fmt.Errorf("node-publish secret key %q names a reserved variable", k)
			}
			env = append(env, k+"="+val)
		}
		argv = append(argv, "--connectors", file)
	} else {
		if e := v.attrs[AttrEndpoint]; e != "" {
			argv = append(argv, "--endpoint", e)
		}
		if r := v.attrs[AttrRegion]; r != "" {
			argv = append(argv, "--region", r)
		}
		if ps, _ := boolAttr(v.attrs, AttrPathStyle); ps {
			argv = append(argv, "--path-style")
		}
		if env, err = v.credentialsEnv(env, dir); err != nil {
			return nil, nil, err
		}
	}
	if len(v.options) > 0 {
		argv = append(argv, "-o", strings.Join(v.options, ","))
	}
	if !v.connectors {
		argv = append(argv, v.attrs[AttrSource])
	}
	return append(argv, v.target), env, nil
}

// credentialsEnv adds the secret's credentials to env: keys as the
// standard AWS variables, a profile as AWS_PROFILE (with the secret's
// credentials file, written 0600, as AWS_SHARED_CREDENTIALS_FILE).
func (v *volume) credentialsEnv(env []string, dir string) ([]string, error) {
	s := v.secrets
	if id, ok := s[SecretAccessKeyID]; ok {
		env = append(env, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+s[SecretSecretAccessKey])
		if tok, ok := s[SecretSessionToken]; ok {
			env = append(env, "AWS_SESSION_TOKEN="+tok)
		}
	}
	if p, ok := s[SecretProfile]; ok {
		env = append(env, "AWS_PROFILE="+p)
	}
	if c, ok := s[SecretCredentialsFile]; ok {
		file := filepath.Join(dir, "aws-credentials")
		if err := writeSecretFile(file, c); err != nil {
			return nil, err
		}
		env = append(env, "AWS_SHARED_CREDENTIALS_FILE="+file)
	}
	return env, nil
}

// withoutAWS drops the plugin's own AWS_* variables: a volume's
// credentials come only from its secret.
func withoutAWS(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

func writeSecretFile(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
