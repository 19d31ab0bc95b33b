//go:build linux

package csi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMounterProtocol runs ServeMounter with fake Start and Wait: a mount
// request arrives with its descriptor (the same open file), the
// mounter's own flag before the arguments and the volume's environment;
// a wait that times out reaches the plugin as DeadlineExceeded; the
// socket's directory is 0700.
// waitForSocket waits up to 10 s for the mounter's socket sock to appear.
func waitForSocket(t *testing.T, sock string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMounterProtocol(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "m", "mounter.sock")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	type started struct {
		args, env []string
		same      bool
	}
	got := make(chan started, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- ServeMounter(ctx, MounterConfig{
			Socket: sock,
			Start: func(args, env []string, fuse *os.File) (int, error) {
				// The same pipe: what is written to the passed
				// descriptor comes out of r.
				_, werr := fuse.Write([]byte("x"))
				b := make([]byte, 1)
				_, rerr := r.Read(b)
				got <- started{args, env, werr == nil && rerr == nil && b[0] == 'x'}
				return 42, nil
			},
			Wait: func(target string, timeout time.Duration) (bool, error) {
				return true, errors.New("objfs (pid 42) has not exited")
			},
		})
	}()
	waitForSocket(t, sock)
	if fi, err := os.Stat(filepath.Dir(sock)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory: %v %v", fi.Mode(), err)
	}
	req := handoffRequest{Op: opMount, Target: "/t", Args: []string{"--read-only", "s3://b/", "/t"}, Env: []string{"AWS_SECRET_ACCESS_KEY=" + secretValue}}
	resp, err := callMounter(ctx, sock, req, w)
	if err != nil || resp.Error != "" || resp.PID != 42 {
		t.Fatalf("mount: %+v %v", resp, err)
	}
	s := <-got
	if strings.Join(s.args, " ") != "mount --fuse-fd 4 --read-only s3://b/ /t" || !slices.Equal(s.env, req.Env) || !s.same {
		t.Fatalf("started %+v", s)
	}
	// Refusals: no descriptor, a target that is not the last argument,
	// the mounter's own flag.
	for _, bad := range []handoffRequest{
		{Op: opMount, Target: "/t", Args: []string{"s3://b/", "/u"}},
		{Op: opMount, Target: "/t", Args: []string{"--fuse-fd=3", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"-fuse-fd=3", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"-fuse-fd", "3", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"--foreground=true", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"-foreground", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"-o", "ro,fuse_fd=3", "/t"}},
		{Op: opMount, Target: "/t", Args: []string{"-oforeground", "/t"}},
		{Op: opMount, Target: "t", Args: []string{"t"}},
		{Op: "exec", Target: "/t"},
	} {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		if resp, err := callMounter(cctx, sock, bad, w); err != nil || resp.Error == "" {
			t.Errorf("%+v: accepted (%v)", bad, err)
		}
		ccancel()
	}
	if resp, err := callMounter(ctx, sock, handoffRequest{Op: opMount, Target: "/t", Args: []string{"/t"}}, nil); err != nil || resp.Error == "" {
		t.Errorf("a mount without a descriptor: accepted (%v)", err)
	}
	d, err := New(Config{NodeID: "n", Binary: "/objfs", StateDir: t.TempDir(), MounterSocket: sock, UnmountTimeout: time.Second,
		MountFUSE: func(string, KernelMount) (*os.File, error) { return nil, errors.New("unused") }})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	if err := d.run.settle(ctx, "/t", state); err != nil {
		t.Fatalf("settle of a target never handed off: %v", err)
	}
	os.WriteFile(filepath.Join(state, "volume"), []byte("v\n"), 0o600)
	if err := d.run.settle(ctx, "/t", state); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("settle whose wait timed out: %v, want DeadlineExceeded", err)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("ServeMounter: %v", err)
	}
}
