//go:build linux

package integration

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// TestCSISanity runs csi-sanity's Identity, Controller and Node cases
// against `objfs csi --controller` with real mounts of MinIO, handed off
// to objfs csi-mounter as the deployment does: the Controller makes each
// volume as a prefix of a bucket (the StorageClass parameters) and
// deletes it again.
func TestCSISanity(t *testing.T) {
	srv := requireMountable(t)
	dir := t.TempDir()
	m := startMounter(t, dir)
	p := &csiPlugin{t: t, dir: dir, sock: filepath.Join(dir, "csi.sock"), logPath: filepath.Join(dir, "plugin.log"),
		args: []string{"--controller", "--mounter-socket", m.sock}}
	p.start()
	t.Cleanup(p.stop)
	bucket := srv.NewBucket(t)

	secrets := filepath.Join(dir, "secrets.yaml")
	keys := "  accessKeyID: " + srv.AccessKey + "\n  secretAccessKey: " + srv.SecretKey + "\n"
	var yaml string
	for _, k := range []string{"CreateVolumeSecret", "DeleteVolumeSecret", "ControllerValidateVolumeCapabilitiesSecret", "NodePublishVolumeSecret"} {
		yaml += k + ":\n" + keys
	}
	if err := os.WriteFile(secrets, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := sanity.NewTestConfig()
	cfg.Address = p.sock
	cfg.TargetPath = filepath.Join(dir, "target")
	cfg.StagingPath = filepath.Join(dir, "staging")
	cfg.SecretsFile = secrets
	cfg.IdempotentCount = 2
	cfg.TestVolumeParameters = map[string]string{
		"bucket": bucket, "prefix": "sanity", "endpoint": srv.Endpoint, "region": srv.Region, "pathStyle": "true",
	}
	sc := sanity.GinkgoTest(&cfg)
	gomega.RegisterFailHandler(ginkgo.Fail)
	suite, reporter := ginkgo.GinkgoConfiguration()
	suite.Timeout = 5 * time.Minute
	ginkgo.RunSpecs(t, "objfs CSI sanity", suite, reporter)
	sc.Finalize()

	log := readFileString(p.logPath)
	if n := strings.Count(log, "msg=\"volume created\""); n == 0 {
		t.Error("csi-sanity created no volume through the Controller")
	}
	if n := strings.Count(log, "msg=mounted"); n == 0 || !strings.Contains(readFileString(m.logPath), "msg=serving component=csi-mounter op=mount") {
		t.Error("csi-sanity published no volume through the mounter: no real mount was tested")
	}
	if keys := listKeys(t, srv.SDK(), bucket); len(keys) > 0 {
		t.Errorf("left in the bucket after csi-sanity deleted its volumes: %v", keys)
	}
	if m := objfsMountsUnder(t, dir); len(m) > 0 {
		t.Errorf("left mounted after csi-sanity: %v", m)
	}
}

// TestCSIKubelet plays the kubelet: one volume published at two pods'
// target paths, one read-only; real tools read and write through them;
// S3 holds what was written; every secret stays out of logs, errors, ps
// and the tree; unpublishing leaves nothing mounted.
func TestCSIKubelet(t *testing.T) { bothModes(t, testCSIKubelet) }

func testCSIKubelet(t *testing.T, start func(t *testing.T, dir string) *csiPlugin) {
	srv := requireMountable(t)
	dir := t.TempDir()
	p := start(t, dir)
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	putObject(t, sdk, bucket, "vol/hello.txt", []byte("hello from s3\n"))

	rw := filepath.Join(dir, "pods", "a", "volumes", "vol")
	ro := filepath.Join(dir, "pods", "b", "volumes", "vol")
	makeTargetParents(t, rw, ro)
	publish := func(target string, readonly bool, secret map[string]string) error {
		ctx, cancel := csiCtx()
		defer cancel()
		_, err := p.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
			VolumeId: "vol-1", TargetPath: target, Readonly: readonly,
			VolumeCapability: mountCapability(csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER),
			VolumeContext:    volumeContext(srv, bucket, "vol/"),
			Secrets:          secret,
		})
		return err
	}
	unpublish := func(target string) {
		t.Helper()
		ctx, cancel := csiCtx()
		defer cancel()
		if _, err := p.node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "vol-1", TargetPath: target}); err != nil {
			t.Fatalf("unpublish %s: %v", target, err)
		}
	}
	t.Cleanup(func() { unpublish(rw); unpublish(ro) })

	// Errors never echo a secret's value: half a key pair, wrong keys.
	fakeKey := "csiWrongSecret" + randomHexName()
	var errs []string
	for _, s := range []map[string]string{
		{"accessKeyID": fakeKey},
		{"accessKeyID": "nobody", "secretAccessKey": fakeKey},
	} {
		err := publish(rw, false, s)
		if err == nil {
			t.Fatalf("publish with a bad secret succeeded")
		}
		errs = append(errs, err.Error())
	}
	if m := objfsMountsUnder(t, rw); len(m) > 0 {
		t.Fatalf("a failed publish left %v mounted", m)
	}

	for i := 0; i < 2; i++ { // the second is a repeat: idempotent
		if err := publish(rw, false, publishSecret(srv)); err != nil {
			t.Fatalf("publish read-write: %v", err)
		}
	}
	if err := publish(ro, true, publishSecret(srv)); err != nil {
		t.Fatalf("publish read-only: %v", err)
	}

	// Read and write with real tools.
	if got := mustRun(t, "cat", filepath.Join(rw, "hello.txt")); got != "hello from s3\n" {
		t.Fatalf("cat through the read-write target: %q", got)
	}
	src, sum := writeRandomFile(t, dir, "payload.bin", 7, 3<<20+17)
	mustRun(t, "cp", src, filepath.Join(rw, "payload.bin"))
	if md5s, _ := objectMD5(t, sdk, bucket, "vol/payload.bin"); md5s != sum {
		t.Fatalf("S3 holds md5 %s for vol/payload.bin, wrote %s", md5s, sum)
	}
	if got := mustRun(t, "md5sum", filepath.Join(ro, "payload.bin")); !strings.HasPrefix(got, sum) {
		t.Fatalf("md5sum through the read-only target: %q, want %s", got, sum)
	}

	// The read-only target refuses every change with EROFS.
	for _, c := range [][]string{
		{"touch", filepath.Join(ro, "new.txt")},
		{"sh", "-c", "echo x >> " + filepath.Join(ro, "hello.txt")},
		{"rm", filepath.Join(ro, "hello.txt")},
		{"mkdir", filepath.Join(ro, "d")},
		{"mv", filepath.Join(ro, "hello.txt"), filepath.Join(ro, "moved.txt")},
		{"cp", src, filepath.Join(ro, "copy.bin")},
	} {
		r := runTool(c[0], c[1:]...)
		if r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("%v on the read-only target: err %v, stderr %q; want Read-only file system", c, r.Err, r.Stderr)
		}
	}
	if keys := listKeys(t, sdk, bucket); strings.Join(keys, ",") != "vol/hello.txt,vol/payload.bin" {
		t.Errorf("S3 holds %v after the read-only target's refusals", keys)
	}

	// Secrets appear in no ps output, log line, error or file under a target.
	ps := mustRun(t, "ps", "-eo", "pid,args")
	grepSecret(t, "ps -eo args", ps, srv.SecretKey, fakeKey)
	grepSecret(t, "errors", strings.Join(errs, "\n"), srv.SecretKey, fakeKey)
	pluginLog, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Errorf("the plugin's log: %v", err)
	}
	grepSecret(t, "plugin log", string(pluginLog), srv.SecretKey, fakeKey)
	for _, l := range p.extraLogs {
		grepSecret(t, l, readFileString(l), srv.SecretKey, fakeKey)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "state", "targets", "*", "*.log"))
	if len(logs) != 2 {
		t.Errorf("want the 2 mounts' logs, found %v", logs)
	}
	for _, l := range logs {
		grepSecret(t, l, readFileString(l), srv.SecretKey, fakeKey)
	}
	for _, target := range []string{rw, ro} {
		r := runTool("grep", "-rlF", "-e", srv.SecretKey, "-e", srv.AccessKey, target)
		var exit *exec.ExitError
		switch {
		case r.Stdout != "":
			t.Errorf("grep found the secret under %s: %s", target, r.Stdout)
		case !errors.As(r.Err, &exit) || exit.ExitCode() != 1:
			// grep exits 1 when it searched everything and found
			// nothing; 0 or 2 (an unreadable file) proves nothing.
			t.Errorf("grep -r of %s: %v, %q; want exit status 1 (searched, nothing found)", target, r.Err, r.Stderr)
		}
	}

	unpublish(rw)
	unpublish(ro)
	unpublish(ro) // idempotent
	if m := objfsMountsUnder(t, dir); len(m) > 0 {
		t.Errorf("left mounted: %v", m)
	}
	for _, target := range []string{rw, ro} {
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Errorf("target %s still exists after unpublish (stat: %v)", target, err)
		}
	}
	if md5s, _ := objectMD5(t, sdk, bucket, "vol/payload.bin"); md5s != sum {
		t.Errorf("after unpublish S3 holds md5 %s, wrote %s", md5s, sum)
	}
}

func grepSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a secret's value appears in %s", where)
		}
	}
}

// TestCSISurvival kills the plugin (SIGKILL) and starts it again while a
// reader streams a file and a writer writes one through a published
// volume: the mounts are objfs daemons of their own, so the reader sees
// every byte, the writer's close succeeds, and the new plugin unpublishes
// them. A target whose objfs was killed is cleaned up by unpublish.
func TestCSISurvival(t *testing.T) {
	srv := requireMountable(t)
	dir := t.TempDir()
	p := startPlugin(t, dir)
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	data := randomBytes(11, 24<<20)
	putObject(t, sdk, bucket, "vol/big.bin", data)

	target := filepath.Join(dir, "pod", "vol")
	dead := filepath.Join(dir, "pod2", "vol")
	makeTargetParents(t, target, dead)
	for _, tp := range []string{target, dead} {
		ctx, cancel := csiCtx()
		_, err := p.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
			VolumeId: "vol-big", TargetPath: tp,
			VolumeCapability: mountCapability(csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER),
			VolumeContext:    volumeContext(srv, bucket, "vol/"),
			Secrets:          publishSecret(srv),
		})
		cancel()
		if err != nil {
			t.Fatalf("publish %s: %v", tp, err)
		}
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
	h := md5.New()
	wrote := md5.New()
	buf := make([]byte, 256<<10)
	chunk := randomBytes(12, 1<<20)
	step := func(i int) {
		n, err := io.ReadFull(f, buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			t.Fatalf("read %d: %v", i, err)
		}
		h.Write(buf[:n])
		if i%8 == 0 {
			if _, err := w.Write(chunk); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			wrote.Write(chunk)
		}
		time.Sleep(2 * time.Millisecond)
	}
	i := 0
	for ; i < 32; i++ { // 8 MiB read
		step(i)
	}
	p.kill()
	for ; i < 48; i++ { // with no plugin at all
		step(i)
	}
	p.start()
	for ; i < 96; i++ {
		step(i)
	}
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("reading the rest: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close of the file written across the plugin's restart: %v", err)
	}
	want := md5.Sum(data)
	if got := hex.EncodeToString(h.Sum(nil)); got != hex.EncodeToString(want[:]) {
		t.Fatalf("the reader saw md5 %s, the object's is %x", got, want)
	}
	if got, _ := objectMD5(t, sdk, bucket, "vol/out.bin"); got != hex.EncodeToString(wrote.Sum(nil)) {
		t.Fatalf("S3 holds md5 %s for vol/out.bin, written %x", got, wrote.Sum(nil))
	}
	f.Close()

	// The second target's objfs dies; unpublish still cleans up.
	pids := daemonPIDs(t, dead)
	if len(pids) != 1 {
		t.Fatalf("daemons serving %s: %v", dead, pids)
	}
	syscall.Kill(pids[0], syscall.SIGKILL)
	waitNoDaemon(t, dead, 10*time.Second)
	for _, tp := range []string{target, dead} {
		ctx, cancel := csiCtx()
		_, err := p.node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "vol-big", TargetPath: tp})
		cancel()
		if err != nil {
			t.Fatalf("unpublish %s: %v", tp, err)
		}
	}
	if m := objfsMountsUnder(t, dir); len(m) > 0 {
		t.Errorf("left mounted: %v", m)
	}
	if out, err := exec.Command("grep", "-c", "DATA RACE", p.logPath).Output(); err == nil && !bytes.Equal(bytes.TrimSpace(out), []byte("0")) {
		t.Errorf("the plugin's log reports a data race")
	}
}

// TestCSIConnectors publishes a read-only connector restricted to one
// prefix, its keys in the secret under the names credentials_env gives:
// what the patterns do not reach is invisible and every change is EROFS.
func TestCSIConnectors(t *testing.T) { bothModes(t, testCSIConnectors) }

func testCSIConnectors(t *testing.T, start func(t *testing.T, dir string) *csiPlugin) {
	srv := requireMountable(t)
	dir := t.TempDir()
	p := start(t, dir)
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	putObject(t, sdk, bucket, "shared/a.txt", []byte("shared\n"))
	putObject(t, sdk, bucket, "private/b.txt", []byte("private\n"))

	connectors := "connectors:\n" +
		"  - label: data\n" +
		"    endpoint: " + srv.Endpoint + "\n" +
		"    region: " + srv.Region + "\n" +
		"    path_style: true\n" +
		"    credentials_env: {access_key: DATA_KEY, secret_key: DATA_SECRET}\n" +
		"    paths: [\"" + bucket + "/shared/*\"]\n" +
		"    access: read\n"
	target := filepath.Join(dir, "pod", "vol")
	makeTargetParents(t, target)
	ctx, cancel := csiCtx()
	defer cancel()
	_, err := p.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
		VolumeId: "conn", TargetPath: target,
		VolumeCapability: mountCapability(csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER),
		VolumeContext:    map[string]string{"connectors": connectors},
		Secrets:          map[string]string{"DATA_KEY": srv.AccessKey, "DATA_SECRET": srv.SecretKey},
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	defer func() {
		if _, err := p.node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "conn", TargetPath: target}); err != nil {
			t.Errorf("unpublish: %v", err)
		}
		if m := objfsMountsUnder(t, dir); len(m) > 0 {
			t.Errorf("left mounted: %v", m)
		}
	}()
	root := filepath.Join(target, "data", bucket)
	if got := mustRun(t, "ls", root); got != "shared\n" {
		t.Errorf("ls %s: %q, want only shared", root, got)
	}
	if got := mustRun(t, "cat", filepath.Join(root, "shared", "a.txt")); got != "shared\n" {
		t.Errorf("cat shared/a.txt: %q", got)
	}
	if r := runTool("cat", filepath.Join(root, "private", "b.txt")); r.Err == nil || !strings.Contains(r.Stderr, "No such file") {
		t.Errorf("cat private/b.txt: %v %q, want ENOENT", r.Err, r.Stderr)
	}
	if r := runTool("touch", filepath.Join(root, "shared", "new.txt")); r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("touch in a read connector: %v %q, want EROFS", r.Err, r.Stderr)
	}
	grepSecret(t, "ps -eo args", mustRun(t, "ps", "-eo", "pid,args"), srv.SecretKey)
	logs, _ := filepath.Glob(filepath.Join(dir, "state", "targets", "*", "*.log"))
	if len(logs) == 0 {
		t.Error("no mount's log under state/targets: the secret check below would read only the plugin's")
	}
	for _, l := range append(append(logs, p.logPath), p.extraLogs...) {
		grepSecret(t, l, readFileString(l), srv.SecretKey)
	}
}

// bothModes runs test with the plugin's mounts in its own container
// (in-plugin) and handed off to objfs csi-mounter (the deployment's).
func bothModes(t *testing.T, test func(t *testing.T, start func(t *testing.T, dir string) *csiPlugin)) {
	t.Run("in-plugin", func(t *testing.T) { test(t, startPlugin) })
	t.Run("hand-off", func(t *testing.T) {
		test(t, func(t *testing.T, dir string) *csiPlugin {
			m := startMounter(t, dir)
			p := &csiPlugin{t: t, dir: dir, sock: filepath.Join(dir, "csi.sock"), logPath: filepath.Join(dir, "plugin.log"),
				args: []string{"--mounter-socket", m.sock}, extraLogs: []string{m.logPath}}
			p.start()
			t.Cleanup(p.stop)
			t.Cleanup(func() {
				if !strings.Contains(readFileString(m.logPath), "op=mount") {
					t.Error("no mount went through the mounter")
				}
			})
			return p
		})
	})
}
