//go:build linux

package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runFailingConnectors runs `objfs mount --connectors` with yaml (written
// with mode perm) and extra args, expecting it to refuse; it returns how
// it ended. Nothing may be left mounted.
func runFailingConnectors(t *testing.T, ep endpoint, yaml string, perm os.FileMode, args ...string) failedMount {
	t.Helper()
	m, cmd := connectorsMountCmd(t, ep, yaml, nil, args...)
	t.Cleanup(func() {
		for _, f := range []string{connectorsFile(m), filepath.Join(m.parent, "aws-config"), filepath.Join(m.parent, ownerFile), m.Dir} {
			os.Remove(f)
		}
		os.Remove(m.parent)
	})
	if err := os.Chmod(connectorsFile(m), perm); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*failLimit)
	defer cancel()
	cmd = withContext(ctx, cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	res := failedMount{stderr: out.String(), elapsed: time.Since(start), exitCode: cmd.ProcessState.ExitCode()}
	if mountedAt(m.Dir) {
		exec.Command("fusermount3", "-u", "-z", m.Dir).Run()
		t.Errorf("%s was left mounted", m.Dir)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run objfs: %v", err)
	}
	return res
}

// TestConnectorsRefusedAtStart: a connectors file that cannot work makes
// `objfs mount --connectors` exit non-zero at once, saying which connector
// and what, without printing a secret or mounting anything.
func TestConnectorsRefusedAtStart(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	ep := serverEndpoint(srv)
	inline := "    access_key_id: " + srv.AccessKey + "\n    secret_access_key: " + srv.SecretKey + "\n"
	wrong := "    access_key_id: " + srv.AccessKey + "\n    secret_access_key: wrong-" + srv.SecretKey[:6] + "\n"
	good := connectorYAML{Label: "good", Endpoint: srv.Endpoint, Access: "read", Paths: []string{bucket + "/*"}, Creds: "    credentials: default\n"}
	cases := []struct {
		name  string
		yaml  string
		perm  os.FileMode
		args  []string
		code  int
		wants []string
	}{
		{"inline secret readable by others",
			connectorsYAML(good, connectorYAML{Label: "raw", Endpoint: srv.Endpoint, Access: "read", Paths: []string{bucket + "/*"}, Creds: inline}),
			0o644, nil, 1, []string{"readable by group/others", "chmod 600"}},
		{"wrong secret",
			connectorsYAML(good, connectorYAML{Label: "bad", Endpoint: srv.Endpoint, Access: "read", Paths: []string{bucket + "/*"}, Creds: wrong}),
			0o600, nil, 1, []string{`connector "bad"`, "credentials rejected"}},
		{"missing bucket",
			connectorsYAML(good, connectorYAML{Label: "gone", Endpoint: srv.Endpoint, Access: "read", Paths: []string{"no-such-bucket-it/x/*"}, Creds: "    credentials: default\n"}),
			0o600, nil, 1, []string{`connector "gone"`, `bucket "no-such-bucket-it" does not exist`}},
		{"invalid file",
			connectorsYAML(good, connectorYAML{Label: "good", Endpoint: srv.Endpoint, Access: "wrte", Creds: "    credentials: default\n"}),
			0o600, nil, 1, []string{"connectors.yaml:", "duplicate label", "unknown access", "not valid: 2 problem(s)"}},
		{"a flag the file sets", connectorsYAML(good), 0o600, []string{"--endpoint", srv.Endpoint}, 2,
			[]string{"--endpoint cannot be used with --connectors"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runFailingConnectors(t, ep, tc.yaml, tc.perm, tc.args...)
			if res.exitCode != tc.code {
				t.Errorf("exit code %d, want %d; output:\n%s", res.exitCode, tc.code, res.stderr)
			}
			if res.elapsed > failLimit {
				t.Errorf("took %v, want under %v", res.elapsed, failLimit)
			}
			for _, w := range tc.wants {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("output lacks %q:\n%s", w, res.stderr)
				}
			}
			if strings.Contains(res.stderr, srv.SecretKey) || strings.Contains(res.stderr, "wrong-"+srv.SecretKey[:6]) {
				t.Errorf("output shows a secret:\n%s", res.stderr)
			}
		})
	}
}
