//go:build linux

package integration

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/objfs/objfs/internal/testenv"
)

// csiPlugin is `objfs csi` running as a subprocess, as the node
// DaemonSet runs it.
type csiPlugin struct {
	t       *testing.T
	dir     string // socket, state, logs
	sock    string
	logPath string
	cmd     *exec.Cmd
	// In a container of its own (csi_handoff_test.go): extra flags and
	// variables, and the cgroup it starts in (a process group of its own).
	args     []string
	env      []string
	cgroupFD int // 0: none
	// extraLogs are other logs the secret checks read (the mounter's).
	extraLogs []string
	conn      *grpc.ClientConn
	node      csi.NodeClient
	identity  csi.IdentityClient
}

// startPlugin starts `objfs csi` with its socket, state and log in dir.
// Its environment holds no AWS credentials: a volume's come only from
// its secret.
func startPlugin(t *testing.T, dir string) *csiPlugin {
	t.Helper()
	p := &csiPlugin{t: t, dir: dir, sock: filepath.Join(dir, "csi.sock"), logPath: filepath.Join(dir, "plugin.log")}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *csiPlugin) start() {
	t := p.t
	t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(objfsBinary(t), "csi", "--endpoint", "unix://"+p.sock,
		"--node-id", "node-1", "--state-dir", filepath.Join(p.dir, "state"), "--unmount-timeout", "2m")
	cmd.Args = append(cmd.Args, p.args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(append(env, "HOME="+p.dir, "AWS_EC2_METADATA_DISABLED=true"), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if p.cgroupFD > 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, UseCgroupFD: true, CgroupFD: p.cgroupFD}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("unix", p.sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("objfs csi did not listen on %s:\n%s", p.sock, readFileString(p.logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn, err := grpc.NewClient("unix://"+p.sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	p.conn, p.node, p.identity = conn, csi.NewNodeClient(conn), csi.NewIdentityClient(conn)
}

// kill ends the plugin with SIGKILL, as a crash or a pod deletion would.
func (p *csiPlugin) kill() {
	if p.cmd == nil {
		return
	}
	p.conn.Close()
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
}

func (p *csiPlugin) stop() {
	if p.cmd == nil {
		return
	}
	p.conn.Close()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
	if p.t.Failed() {
		p.t.Logf("plugin log:\n%s", readFileString(p.logPath))
	}
}

func readFileString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// volumeContext is the PV's volumeAttributes for prefix of bucket on srv.
func volumeContext(srv *testenv.Server, bucket, prefix string) map[string]string {
	return map[string]string{
		"source":    "s3://" + bucket + "/" + prefix,
		"endpoint":  srv.Endpoint,
		"region":    srv.Region,
		"pathStyle": "true",
	}
}

func publishSecret(srv *testenv.Server) map[string]string {
	return map[string]string{"accessKeyID": srv.AccessKey, "secretAccessKey": srv.SecretKey}
}

func mountCapability(mode csi.VolumeCapability_AccessMode_Mode) *csi.VolumeCapability {
	return &csi.VolumeCapability{
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: mode},
	}
}

func csiCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 3*time.Minute)
}

// objfsMountsUnder lists the FUSE mounts at or below dir.
func objfsMountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && strings.HasPrefix(f[4], dir) {
			out = append(out, f[4])
		}
	}
	return out
}

// makeTargetParents makes the parent directory of each target path, as
// the kubelet does (the target itself is the plugin's to make).
func makeTargetParents(t *testing.T, targets ...string) {
	t.Helper()
	for _, target := range targets {
		if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
			t.Fatal(err)
		}
	}
}
