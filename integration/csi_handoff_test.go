//go:build linux

package integration

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

// container is a cgroup v2 group standing in for a container: what the
// runtime does to replace a container is to kill every process in its
// cgroup, whatever their session or process group.
type container struct {
	t   *testing.T
	dir string
	fd  int
}

// newContainer makes a cgroup under the cgroup v2 hierarchy; it fails the
// test when there is none (the survival it proves needs one).
func newContainer(t *testing.T, name string) *container {
	t.Helper()
	root := ""
	for _, d := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(d, "cgroup.kill")); err == nil {
			root = d
			break
		}
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "cgroup.controllers")); err == nil {
				root = d
				break
			}
		}
	}
	if root == "" {
		t.Fatal("no cgroup v2 hierarchy (cgroup.kill) to stand in for a container")
	}
	dir := filepath.Join(root, fmt.Sprintf("objfs-test-%s-%d", name, os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := &container{t: t, dir: dir, fd: fd}
	t.Cleanup(func() {
		c.kill()
		syscall.Close(fd)
		os.Remove(dir)
	})
	return c
}

// procs lists the pids in the container.
func (c *container) procs() []int {
	b, _ := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// kill ends every process of the container with SIGKILL, as a container
// runtime does, and waits until none is left.
func (c *container) kill() {
	if err := os.WriteFile(filepath.Join(c.dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		c.t.Errorf("cgroup.kill: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(c.procs()) > 0 {
		if time.Now().After(deadline) {
			c.t.Fatalf("processes %v survived cgroup.kill", c.procs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inCgroup reports whether pid is in the cgroup at dir.
func inCgroup(pid int, dir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "0::") && strings.HasSuffix(dir, strings.TrimPrefix(l, "0::")) && strings.TrimPrefix(l, "0::") != "/" {
			return true
		}
	}
	return false
}

// mounter is `objfs csi-mounter` in a process group of its own, with its
// own runtime directory (pid files), as its own container would have.
type mounter struct {
	t       *testing.T
	sock    string
	logPath string
	env     []string
	cmd     *exec.Cmd
}

func startMounter(t *testing.T, dir string) *mounter {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") {
			env = append(env, kv)
		}
	}
	m := &mounter{t: t, sock: filepath.Join(dir, "mounter", "mounter.sock"), logPath: filepath.Join(dir, "mounter.log"),
		env: append(env, "HOME="+dir, "XDG_RUNTIME_DIR="+filepath.Join(dir, "mounter-run"), "AWS_EC2_METADATA_DISABLED=true")}
	m.start()
	t.Cleanup(m.stop)
	return m
}

func (m *mounter) start() {
	t := m.t
	t.Helper()
	logf, err := os.OpenFile(m.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(objfsBinary(t), "csi-mounter", "--socket", m.sock)
	cmd.Env = m.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("unixpacket", m.sock); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("objfs csi-mounter did not listen on %s:\n%s", m.sock, readFileString(m.logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the mounter's process group with SIGKILL; the objfs daemons
// it started are in sessions of their own.
func (m *mounter) kill() {
	if m.cmd == nil {
		return
	}
	syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	m.cmd.Wait()
	m.cmd = nil
}

func (m *mounter) stop() {
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.cmd.Wait()
	m.cmd = nil
	if m.t.Failed() {
		m.t.Logf("mounter log:\n%s", readFileString(m.logPath))
	}
}

// TestCSIHandoffSurvival: with the hand-off, the plugin mounts and
// objfs csi-mounter serves, each in its own "container". The plugin's
// container is killed (every process in its cgroup, SIGKILL, then its
// process group for good measure) and replaced while a reader streams a
// file and a writer writes one; then the mounter process itself is
// killed and restarted. The reader sees every byte, the writer's close
// succeeds, S3 holds the whole object, a repeated publish does not mount
// twice, and the new plugin's unpublish returns only once the mount's
// objfs has exited, leaving nothing mounted. No secret reaches ps or a
// log.
func TestCSIHandoffSurvival(t *testing.T) {
	srv := requireMountable(t)
	dir := t.TempDir()
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	data := randomBytes(21, 24<<20)
	putObject(t, sdk, bucket, "vol/big.bin", data)

	m := startMounter(t, dir)
	box := newContainer(t, "plugin")
	p := &csiPlugin{t: t, dir: dir, sock: filepath.Join(dir, "csi.sock"), logPath: filepath.Join(dir, "plugin.log"),
		args:     []string{"--mounter-socket", m.sock},
		env:      []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "plugin-run")},
		cgroupFD: box.fd}
	p.start()
	t.Cleanup(p.stop)

	target := filepath.Join(dir, "pods", "a", "vol")
	makeTargetParents(t, target)
	publish := func(secret map[string]string) error {
		ctx, cancel := csiCtx()
		defer cancel()
		_, err := p.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
			VolumeId: "vol-big", TargetPath: target,
			VolumeCapability: mountCapability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    volumeContext(srv, bucket, "vol/"),
			Secrets:          secret,
		})
		return err
	}
	unpublish := func() error {
		ctx, cancel := csiCtx()
		defer cancel()
		_, err := p.node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "vol-big", TargetPath: target})
		return err
	}
	t.Cleanup(func() { unpublish() })

	// A failed hand-off (the mounter's objfs refuses wrong keys) leaves
	// nothing mounted, and its error holds no secret.
	wrong := "csiHandoffWrong" + randomHexName()
	err := publish(map[string]string{"accessKeyID": "nobody", "secretAccessKey": wrong})
	if err == nil {
		t.Fatal("publish with wrong keys succeeded")
	}
	grepSecret(t, "the failed publish's error", err.Error(), wrong)
	if ms := objfsMountsUnder(t, dir); len(ms) > 0 {
		t.Fatalf("a failed hand-off left %v mounted", ms)
	}

	if err := publish(publishSecret(srv)); err != nil {
		t.Fatalf("publish: %v", err)
	}
	pids := daemonPIDs(t, target)
	if len(pids) != 1 {
		t.Fatalf("objfs daemons serving %s: %v", target, pids)
	}
	daemon := pids[0]
	if inCgroup(daemon, box.dir) {
		t.Fatalf("objfs (pid %d) runs in the plugin's container", daemon)
	}
	if ppid := parentPID(t, daemon); ppid != m.cmd.Process.Pid {
		t.Fatalf("objfs (pid %d) is the child of %d, not of the mounter (%d)", daemon, ppid, m.cmd.Process.Pid)
	}

	f, err := os.Open(filepath.Join(target, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := os.Create(filepath.Join(target, "out.bin"))
	if err != nil {
		t.Fatal(err)
	}
	read, wrote := md5.New(), md5.New()
	buf := make([]byte, 256<<10)
	chunk := randomBytes(22, 1<<20)
	step := func(i int) {
		n, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			t.Fatalf("read %d: %v", i, err)
		}
		read.Write(buf[:n])
		if i%8 == 0 {
			if _, err := w.Write(chunk); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			wrote.Write(chunk)
		}
	}
	i := 0
	for ; i < 24; i++ {
		step(i)
	}
	// The plugin's container goes: every process in it.
	pgid := p.cmd.Process.Pid
	p.conn.Close()
	box.kill()
	syscall.Kill(-pgid, syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
	for ; i < 40; i++ { // no plugin at all
		step(i)
	}
	box = newContainer(t, "plugin2") // its replacement: a new container
	p.cgroupFD = box.fd
	p.start()
	for ; i < 56; i++ {
		step(i)
	}
	// The mounter process restarts in its container; its objfs stays.
	m.kill()
	for ; i < 72; i++ {
		step(i)
	}
	m.start()
	for ; i < 88; i++ {
		step(i)
	}
	if _, err := io.Copy(read, f); err != nil {
		t.Fatalf("reading the rest: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close of the file written across the plugin's replacement: %v", err)
	}
	f.Close()
	if got, want := hex.EncodeToString(read.Sum(nil)), md5hex(data); got != want {
		t.Fatalf("the reader saw md5 %s, the object's is %s", got, want)
	}
	if got, _ := objectMD5(t, sdk, bucket, "vol/out.bin"); got != hex.EncodeToString(wrote.Sum(nil)) {
		t.Fatalf("S3 holds md5 %s for vol/out.bin, written %x", got, wrote.Sum(nil))
	}
	if got := daemonPIDs(t, target); !slices.Equal(got, []int{daemon}) {
		t.Fatalf("daemons serving %s after the restarts: %v, want only %d", target, got, daemon)
	}

	// The new plugin finds the mount: a repeated publish mounts nothing.
	if err := publish(publishSecret(srv)); err != nil {
		t.Fatalf("publish again after the replacement: %v", err)
	}
	if ms := objfsMountsUnder(t, target); len(ms) != 1 {
		t.Fatalf("mounts at %s: %v, want one", target, ms)
	}

	// Secrets reach no ps output and no log.
	grepSecret(t, "ps -eo args", mustRun(t, "ps", "-eo", "pid,args"), srv.SecretKey, wrong)
	logs, _ := filepath.Glob(filepath.Join(dir, "state", "targets", "*", "*.log"))
	if len(logs) == 0 {
		t.Error("no mount's log under state/targets")
	}
	for _, l := range append(logs, p.logPath, m.logPath) {
		text := readFileString(l)
		grepSecret(t, l, text, srv.SecretKey, wrong)
		if strings.Contains(text, "DATA RACE") {
			t.Errorf("%s reports a data race", l)
		}
	}

	// Unpublish: the plugin unmounts (its objfs umount cannot see the
	// daemon's pid file, which is in the mounter's runtime directory);
	// the mounter's wait makes it return only once objfs has exited.
	if err := unpublish(); err != nil {
		t.Fatalf("unpublish: %v", err)
	}
	if syscall.Kill(daemon, 0) == nil && isProcRunning(daemon) {
		t.Errorf("objfs (pid %d) still runs after unpublish returned", daemon)
	}
	checkUnpublished(t, dir, target, unpublish)
}

// parentPID reads pid's parent from /proc.
func parentPID(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// isProcRunning reports whether pid exists and is not a zombie.
// checkUnpublished: after an unpublish, nothing of objfs is mounted under
// dir, target is gone, and a second unpublish succeeds (the kubelet may
// repeat it).
func checkUnpublished(t *testing.T, dir, target string, unpublish func() error) {
	t.Helper()
	if ms := objfsMountsUnder(t, dir); len(ms) > 0 {
		t.Errorf("left mounted: %v", ms)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("target still exists after unpublish (stat: %v)", err)
	}
	if err := unpublish(); err != nil {
		t.Errorf("a second unpublish: %v", err)
	}
}

func isProcRunning(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// TestCSIHandoffMounterGone: the mounter's pod goes (deleted, drained,
// the driver uninstalled) and its objfs with it: the mount it served
// answers ENOTCONN and no mounter listens. A publish of that target once
// a mounter is back mounts it again (the stat of a dead mountpoint can
// still succeed from the kernel's attribute cache: the plugin must not
// take it for alive), and the kubelet's unpublish of a dead target
// succeeds with no mounter at all, leaving nothing mounted, or the pod
// using it stays Terminating until a mounter comes back.
func TestCSIHandoffMounterGone(t *testing.T) {
	srv := requireMountable(t)
	dir := t.TempDir()
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "vol/a.txt", []byte("hello\n"))

	m := startMounter(t, dir)
	p := &csiPlugin{t: t, dir: dir, sock: filepath.Join(dir, "csi.sock"), logPath: filepath.Join(dir, "plugin.log"),
		args:      []string{"--mounter-socket", m.sock},
		env:       []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "plugin-run")},
		extraLogs: []string{m.logPath}}
	p.start()
	t.Cleanup(p.stop)

	target := filepath.Join(dir, "pods", "a", "vol")
	makeTargetParents(t, target)
	ctx, cancel := csiCtx()
	defer cancel()
	publish := func() error {
		_, err := p.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
			VolumeId: "vol-a", TargetPath: target,
			VolumeCapability: mountCapability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    volumeContext(srv, bucket, "vol/"),
			Secrets:          publishSecret(srv),
		})
		return err
	}
	unpublish := func() error {
		_, err := p.node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "vol-a", TargetPath: target})
		return err
	}
	t.Cleanup(func() { unpublish() })
	read := func(when string) {
		t.Helper()
		if b, err := os.ReadFile(filepath.Join(target, "a.txt")); err != nil || string(b) != "hello\n" {
			t.Fatalf("reading through the mount %s: %q %v", when, b, err)
		}
	}
	// The mounter's container goes: the mounter, then its objfs.
	mounterGone := func() {
		t.Helper()
		pids := daemonPIDs(t, target)
		if len(pids) != 1 {
			t.Fatalf("objfs daemons serving %s: %v", target, pids)
		}
		m.kill()
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for isProcRunning(pids[0]) {
			if time.Now().After(deadline) {
				t.Fatalf("objfs (pid %d) survived SIGKILL", pids[0])
			}
			time.Sleep(20 * time.Millisecond)
		}
		// What the plugin's liveness check relies on (csi execRunner.state):
		// statfs of the dead mount fails. Usually ENOTCONN; a request the
		// kernel had sent as the connection died can come back EIO (seen
		// once under make test), which the check also counts as dead.
		var st syscall.Statfs_t
		if err := syscall.Statfs(target, &st); err == nil {
			t.Fatal("statfs of the mount whose objfs is gone succeeded")
		} else {
			t.Logf("statfs of the mount whose objfs is gone: %v", err)
		}
	}

	if err := publish(); err != nil {
		t.Fatalf("publish: %v", err)
	}
	read("after publish")
	mounterGone()
	m.start()
	if err := publish(); err != nil {
		t.Fatalf("publish again over the dead mount: %v", err)
	}
	read("published again over the dead mount")

	mounterGone()
	if err := unpublish(); err != nil {
		t.Fatalf("unpublishing the dead mount with no mounter: %v", err)
	}
	checkUnpublished(t, dir, target, unpublish)
}
