package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func translate(t *testing.T, args ...string) ([]string, error) {
	t.Helper()
	app := newApp(nil, nil)
	return translateArgs(append([]string{"objfs"}, args...), commandNames(app), mountFlags())
}

// TestTranslateHelperForm: the command line mount.fuse3 runs becomes
// `objfs mount FLAGS SOURCE MOUNTPOINT`.
func TestTranslateHelperForm(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"mount -t fuse.objfs", []string{"s3://bkt", "/mnt", "-o", "ro,nosuid,nodev,endpoint=http://127.0.0.1:9000,path_style,region=eu-west-1"},
			[]string{"mount", "--read-only=true", "--endpoint=http://127.0.0.1:9000", "--path-style=true", "--region=eu-west-1", "s3://bkt", "/mnt"}},
		{"fstab line", []string{"s3://bkt/data/", "/mnt/data", "-o", "rw,noexec,nosuid,nodev,allow_other,uid=1000,gid=100,file_mode=0640,stat_ttl=30s,profile=ml"},
			[]string{"mount", "--read-only=false", "--no-exec=true", "--allow-other=true", "--uid=1000", "--gid=100", "--file-mode=0640", "--stat-ttl=30s", "--profile=ml", "s3://bkt/data/", "/mnt/data"}},
		{"-o glued, -f, options before the arguments", []string{"-oro", "-f", "s3://", "/mnt"},
			[]string{"mount", "--read-only=true", "--foreground", "s3://", "/mnt"}},
		{"long flags stay", []string{"s3://bkt", "/mnt", "--endpoint", "http://x:9000", "-o", "debug"},
			[]string{"mount", "--endpoint", "http://x:9000", "--debug=true", "s3://bkt", "/mnt"}},
		{"mount(8) options ignored", []string{"s3://bkt", "/mnt", "-o", "_netdev,nofail,noauto,auto,user,users,x-systemd.automount,x-systemd.requires=network-online.target,comment=data,defaults,noatime,default_permissions,suid,dev,exec"},
			[]string{"mount", "--no-exec=false", "s3://bkt", "/mnt"}},
		{"public, billed and encrypted buckets", []string{"s3://bkt", "/mnt", "-o", "no_sign_request,requester_pays,sse=aws:kms,sse_kms_key_id=k1,storage_class=STANDARD_IA,ca_bundle=/etc/ssl/minio.pem,sse_c_key_file=/etc/objfs/key"},
			[]string{"mount", "--no-sign-request=true", "--requester-pays=true", "--sse=aws:kms", "--sse-kms-key-id=k1", "--storage-class=STANDARD_IA",
				"--ca-bundle=/etc/ssl/minio.pem", "--sse-c-key-file=/etc/objfs/key", "s3://bkt", "/mnt"}},
		{"escaped comma", []string{"s3://bkt", "/mnt", "-o", `log_file=/var/log/a\,b.log`},
			[]string{"mount", "--log-file=/var/log/a,b.log", "s3://bkt", "/mnt"}},
		{"connectors: the source field is a placeholder", []string{"connectors", "/mnt", "-o", "connectors=/etc/objfs/c.yaml,allow_other"},
			[]string{"mount", "--connectors=/etc/objfs/c.yaml", "--allow-other=true", "/mnt"}},
		{"connectors with an s3:// source keeps it (and mount refuses it)", []string{"s3://bkt", "/mnt", "-o", "connectors=/c.yaml"},
			[]string{"mount", "--connectors=/c.yaml", "s3://bkt", "/mnt"}},
		{"nonempty (libfuse 2) and allow_non_empty", []string{"s3://bkt", "/mnt", "-o", "nonempty,allow_non_empty"},
			[]string{"mount", "--allow-non-empty=true", "--allow-non-empty=true", "s3://bkt", "/mnt"}},
		{"bool option with a value", []string{"s3://bkt", "/mnt", "-o", "path-style=false,read_only=true"},
			[]string{"mount", "--path-style=false", "--read-only=true", "s3://bkt", "/mnt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translate(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{"objfs"}, tt.want...); !slices.Equal(got, want) {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// TestTranslateMountCommand: -o anywhere in `objfs mount` becomes flags
// right after "mount"; other arguments keep their order.
func TestTranslateMountCommand(t *testing.T) {
	got, err := translate(t, "mount", "--region", "-o", "s3://bkt", "/mnt", "-o", "ro,endpoint=http://e:1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"objfs", "mount", "--read-only=true", "--endpoint=http://e:1", "--region", "-o", "s3://bkt", "/mnt"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// TestTranslateLeavesOthers: commands, help and lone words are not
// helper command lines.
func TestTranslateLeavesOthers(t *testing.T) {
	for _, args := range [][]string{nil, {"version"}, {"umount", "/mnt"}, {"unmount", "/mnt"}, {"--help"}, {"frobnicate"}, {"connectors", "check", "f.yaml"}} {
		got, err := translate(t, args...)
		if err != nil || !slices.Equal(got, append([]string{"objfs"}, args...)) {
			t.Errorf("%q became %q, %v", args, got, err)
		}
	}
}

// TestTranslateErrors: an unknown option is named; a flag option without
// its value, a bad boolean and a dangling -o are usage errors.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"s3://b", "/mnt", "-o", "ro,frobnicate"}, `unknown mount option "frobnicate"`},
		{[]string{"s3://b", "/mnt", "-o", "endpoint"}, `mount option "endpoint" needs a value (endpoint=...)`},
		{[]string{"s3://b", "/mnt", "-o", "path_style=maybe"}, "path_style=maybe: want true or false"},
		{[]string{"s3://b", "/mnt", "-o", "allow_root"}, "objfs supports allow_other only"},
		{[]string{"mount", "s3://b", "/mnt", "-o"}, "-o needs OPTIONS"},
		{[]string{"s3://b", "/mnt", "-o", "secret_access_key=x"}, `unknown mount option "secret_access_key"`},
	}
	for _, tt := range tests {
		_, err := translate(t, tt.args...)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

// TestEveryMountFlagIsAnOption: each flag of `objfs mount` can be given
// as -o NAME=VALUE with _ for -, so fstab can say everything the command
// line can.
func TestEveryMountFlagIsAnOption(t *testing.T) {
	for _, f := range mountFlags() {
		name := f.Names()[0]
		opt := strings.ReplaceAll(name, "-", "_") + "=1"
		got, err := translate(t, "s3://b", "/mnt", "-o", opt)
		if err != nil {
			t.Errorf("-o %s: %v", opt, err)
			continue
		}
		if len(got) != 5 || !strings.HasPrefix(got[2], "--"+name+"=") {
			t.Errorf("-o %s became %q", opt, got)
		}
	}
}

// TestHelperFormReachesMount: the translated command line is parsed by
// the real app (a usage error from mount proves it got there).
func TestHelperFormReachesMount(t *testing.T) {
	code, _, errOut := runCLI(t, "s3://bkt", "/nonexistent-objfs-test", "-o", "ro,file_mode=0888")
	if code != exitUsage || !strings.Contains(errOut, `invalid --file-mode "0888"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "s3://bkt", "/mnt", "-o", "bogus")
	if code != exitUsage || !strings.Contains(errOut, `unknown mount option "bogus"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
