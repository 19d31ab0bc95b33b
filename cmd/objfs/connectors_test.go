package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

const testConnectorsFile = `x-minio: &minio
  endpoint: http://127.0.0.1:9000
  region: us-east-1
  path_style: true
connectors:
  - label: raw
    <<: *minio
    credentials: default
    paths: ["datasets*", "models/team.jpg"]
  - label: out
    <<: *minio
    credentials_env: {access_key: OUT_KEY, secret_key: OUT_SECRET}
    paths: ["results/out/*"]
    access: readwrite
`

// writeFile writes data to a new file with perm and returns its path.
func writeFile(t *testing.T, name, data string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectorsCheckValid(t *testing.T) {
	file := writeFile(t, "c.yaml", testConnectorsFile, 0o644)
	code, out, errOut := runCLI(t, "connectors", "check", file)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"valid, 2 connector(s): raw, out", "warning: " + file + ":9:", `"datasets*" is a raw prefix over bucket names`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--path", "raw/models/team.jpg", "--op", "write"}, []string{`connector "raw"`, "denied with EROFS", "access: read (the default)"}},
		{[]string{"--path", "raw/models/other.jpg"}, []string{"denied with ENOENT", `no pattern of connector "raw" matches`}},
		{[]string{"--path", "out/results/out/x.csv", "--op", "delete"}, []string{`connector "out"`, "decision: allowed", `paths[0] "results/out/*" (line 13)`}},
		{[]string{"--label", "out", "--path", "results/x.csv", "--op", "write"}, []string{"denied with EACCES"}},
		{[]string{"--label", "raw", "--path", "datasets-extra/a", "--op", "read"}, []string{"decision: allowed"}},
	}
	for _, tt := range tests {
		// Flags before FILE, and after it: the order README and --help show.
		for _, args := range [][]string{append(slices.Clone(tt.args), file), append([]string{file}, tt.args...)} {
			code, out, errOut := runCLI(t, append([]string{"connectors", "check"}, args...)...)
			if code != exitOK {
				t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%q: output lacks %q:\n%s", args, w, out)
				}
			}
		}
	}
}

func TestConnectorsCheckInvalid(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "connectors:\n  - label: a\n    credentials: default\n    acess: read\n  - label: a\n    credentials: default\n", 0o600)
	code, out, errOut := runCLI(t, "connectors", "check", bad)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{bad + `:4: unknown key "acess"`, bad + `:5: duplicate label "a"`, "objfs: connectors file " + bad + " is not valid: 2 problem(s)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if out != "" {
		t.Errorf("stdout %q for an invalid file", out)
	}

	secret := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	leaky := writeFile(t, "leaky.yaml", "connectors:\n  - label: a\n    access_key_id: AKIAEXAMPLE\n    secret_access_key: "+secret+"\n", 0o644)
	code, out, errOut = runCLI(t, "connectors", "check", leaky)
	if code != exitFailure || !strings.HasSuffix(errOut, "chmod 600 "+leaky+"\n") || strings.Count(errOut, "readable by") != 1 {
		t.Errorf("readable inline secret: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out+errOut, secret) {
		t.Error("the secret was printed")
	}
}

func TestConnectorsUsageErrors(t *testing.T) {
	file := writeFile(t, "c.yaml", testConnectorsFile, 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"connectors"}, "a subcommand is required"},
		{"no file", []string{"connectors", "check"}, "check takes exactly one argument, FILE (got 0)"},
		{"two files", []string{"connectors", "check", file, "--path", "raw/x", file}, "check takes exactly one argument, FILE (got 2)"},
		{"flag after file, bad op", []string{"connectors", "check", file, "--op=chmod"}, `unknown op "chmod"`},
		{"bad op", []string{"connectors", "check", "--op", "chmod", file}, `unknown op "chmod"`},
		{"path without label", []string{"connectors", "check", "--path", "models/team.jpg", file}, "does not start with a connector label (labels: raw, out)"},
		{"unknown label", []string{"connectors", "check", "--label", "nope", "--path", "a/b", file}, `no connector labelled "nope"`},
		{"label only", []string{"connectors", "check", "--path", "raw", file}, "names only the connector"},
		{"source and connectors", []string{"mount", "--connectors", file, "s3://bkt", "/tmp"}, "SOURCE and --connectors are mutually exclusive"},
		{"per-connector flag", []string{"mount", "--connectors", file, "--profile", "p", "/tmp"}, "--profile cannot be used with --connectors"},
		{"no mountpoint", []string{"mount", "--connectors", file}, "mount --connectors FILE needs MOUNTPOINT (got 0 arguments)"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, code, errOut, exitUsage, tt.want)
		}
	}
}

func TestSharedDir(t *testing.T) {
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{"b/data/out/*"}, "data/out/"},
		{[]string{"b/data/out/", "b/data/in/x.csv"}, "data/"},
		{[]string{"b/data/out/*", "b/team.jpg"}, ""},
		{[]string{"b/data/x*"}, "data/"},
		{[]string{"b/data/ab/*", "b/data/ac/*"}, "data/"},
		{[]string{"b"}, ""},
		{[]string{"b/*", "other/deep/x"}, ""},
		{[]string{"other/deep/x", "b/a/b/c"}, "a/b/"},
	}
	for _, tt := range tests {
		pats, err := acl.ParsePatterns(tt.paths...)
		if err != nil {
			t.Fatal(err)
		}
		if got := sharedDir(&acl.Connector{Label: "c", Paths: pats}, "b"); got != tt.want {
			t.Errorf("sharedDir(%q) = %q, want %q", tt.paths, got, tt.want)
		}
	}
}

// TestForConnector: the preflight's advice names the connector's
// credentials, not the AWS_* variables of a single-source mount.
func TestForConnector(t *testing.T) {
	var pf preflightConfig
	pf.SetDefaults()
	pf.Attempts = 1
	creds := acl.Creds{Source: acl.SourceInline, AccessKeyID: "AKIA", SecretAccessKey: "supersecret"}
	for _, tc := range []struct {
		t   target
		err error
	}{
		{target{Endpoint: "http://e"}, s3Err("ListBuckets", remote.ErrAccessDenied, "SignatureDoesNotMatch", 403, nil)},
		{target{Endpoint: "http://e"}, s3Err("ListBuckets", remote.ErrAccessDenied, "AccessDenied", 403, nil)},
		{target{Endpoint: "http://e", Bucket: "data"}, s3Err("ListObjectsV2", remote.ErrAccessDenied, "AccessDenied", 403, nil)},
	} {
		f := remote.NewFake()
		f.FailNext(remote.OpListBuckets, tc.err, 1)
		f.FailNext(remote.OpList, tc.err, 1)
		err := checkRemote(context.Background(), f, pf, tc.t)
		if err == nil {
			t.Fatal("no error")
		}
		msg := forConnector(err, creds).Error()
		if strings.Contains(msg, "AWS_") || strings.Contains(msg, "--profile") || strings.Contains(msg, "s3://BUCKET") {
			t.Errorf("advice for a single-source mount left in %q (from %q)", msg, err)
		}
		if strings.Contains(msg, "supersecret") {
			t.Errorf("secret in %q", msg)
		}
	}
}

func TestConnectorConfigs(t *testing.T) {
	f, err := acl.Parse([]byte(testConnectorsFile), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, out := f.Connector("raw"), f.Connector("out")
	cr, err := out.ResolveCredentials(func(name string) string { return map[string]string{"OUT_KEY": "k", "OUT_SECRET": "s"}[name] })
	if err != nil {
		t.Fatal(err)
	}
	s3 := connectorS3Config(remote.S3Config{}, out, cr, nil)
	if s3.Endpoint != "http://127.0.0.1:9000" || !s3.PathStyle || s3.Region != "us-east-1" || s3.AccessKeyID != "k" || s3.SecretAccessKey != "s" || s3.Profile != "" {
		t.Errorf("S3 config for out: %+v", s3)
	}
	if p := connectorS3Config(remote.S3Config{}, raw, acl.Creds{Source: acl.SourceProfile, Profile: "ml"}, nil); p.Profile != "ml" || p.AccessKeyID != "" {
		t.Errorf("S3 config for a profile: %+v", p)
	}
	if a := connectorS3Config(remote.S3Config{}, raw, acl.Creds{Source: acl.SourceAnonymous}, nil); !a.Anonymous || a.AccessKeyID != "" || a.Validate() != nil {
		t.Errorf("S3 config for credentials: anonymous: %+v (%v)", a, a.Validate())
	}

	base := vfs.Config{BlockSize: 1 << 20, StatTTL: time.Second}
	base.ReadCache.MemBytes, base.ReadCache.DiskDir, base.ReadCache.DiskBytes = 256<<20, "/var/cache/objfs", 4<<30
	base.Write.PartSize, base.Write.BufferBytes = 8<<20, 48<<20
	rc := connectorFSConfig(base, f, raw, discardLog())
	if rc.Connector != raw || rc.ReadCache != base.ReadCache || rc.Write.BufferBytes != 48<<20 {
		t.Errorf("raw config: connector %v, cache %+v, write %+v", rc.Connector, rc.ReadCache, rc.Write)
	}
	two := writeFile(t, "two.yaml", testConnectorsFile+`  - label: out2
    credentials: default
    paths: ["results/out2/*"]
    access: readwrite
`, 0o600)
	f2, err := acl.Load(two)
	if err != nil {
		t.Fatal(err)
	}
	if oc := connectorFSConfig(base, f2, f2.Connector("out"), discardLog()); oc.Write.BufferBytes != 24<<20 {
		t.Errorf("out's write buffers with two readwrite connectors: %d, want half of 48 MiB", oc.Write.BufferBytes)
	}
	base.Write.BufferBytes = 20 << 20
	if oc := connectorFSConfig(base, f2, f2.Connector("out"), discardLog()); oc.Write.BufferBytes != 16<<20 {
		t.Errorf("out's write buffers: %d, want at least two parts", oc.Write.BufferBytes)
	}
}

// TestConnectorsNoSecretInMessages: a secret pasted into
// credentials_env.secret_key where the variable's name belongs, which
// looks like a name, is never printed: not by `connectors check` (which
// warns that mount would fail here, naming the connector and the field),
// not by its --path explanation, not by mount, in the foreground or not.
func TestConnectorsNoSecretInMessages(t *testing.T) {
	const secret = "SuperSecretValue123"
	os.Unsetenv(secret)
	t.Setenv("OUT_KEY", "AKIAEXAMPLE")
	file := writeFile(t, "c.yaml", strings.Replace(testConnectorsFile, "secret_key: OUT_SECRET", "secret_key: "+secret, 1), 0o600)
	mp := t.TempDir()
	for _, args := range [][]string{
		{"connectors", "check", file},
		{"connectors", "check", "--path", "out/results/out/x.csv", file},
		{"mount", "--connectors", file, mp},
		{"mount", "--foreground", "--connectors", file, mp},
	} {
		code, out, errOut := runCLI(t, args...)
		if strings.Contains(out+errOut, secret) {
			t.Errorf("%q printed the value of credentials_env.secret_key:\n%s%s", args, out, errOut)
		}
		want := `connector "out": the environment variable that credentials_env.secret_key names is not set`
		if !strings.Contains(out+errOut, want) {
			t.Errorf("%q: exit %d, output lacks %q:\n%s%s", args, code, want, out, errOut)
		}
		if args[0] == "mount" && code == exitOK {
			t.Errorf("%q succeeded without the secret", args)
		}
	}
}
