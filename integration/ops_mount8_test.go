//go:build linux

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/mountinfo"
)

// helperLink is where the mount(8) tests install objfs: mount runs
// mount.fuse3 with PATH cleared, and mount.fuse3's /bin/sh then finds
// programs in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin;
// the first of them shadows the others.
const helperLink = "/usr/local/sbin/objfs"

// installHelper makes helperLink a symlink to the binary under test for
// the duration of t. It refuses to replace anything but an earlier test
// run's link.
func installHelper(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mount -t fuse.objfs and fstab mounts need root")
	}
	if _, err := exec.LookPath("mount.fuse3"); err != nil {
		t.Fatal("mount.fuse3 not found: run `make tools` (apt-get install -y fuse3)")
	}
	bin := objfsBinary(t)
	if old, err := os.Readlink(helperLink); err == nil {
		if !strings.Contains(old, binDirPrefix) {
			t.Skipf("%s links to %s, not to a test binary: not replacing it", helperLink, old)
		}
		os.Remove(helperLink)
	} else if _, err := os.Lstat(helperLink); err == nil {
		t.Skipf("%s exists and is not a test link: not replacing it", helperLink)
	}
	if err := os.Symlink(bin, helperLink); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cur, err := os.Readlink(helperLink); err == nil && cur == bin {
			os.Remove(helperLink)
		}
	})
}

// mount8 runs mount(8) (or umount(8)) with the endpoint's credentials in
// its environment, as a mount unit or a root shell would have them.
func mount8(t *testing.T, ep endpoint, scratch, name string, args ...string) ranCmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(objfsEnv(t, ep, scratch), "LC_ALL=C")
	return runCmd(t, cmd, time.Minute)
}

// TestMountHelper: `mount -t fuse.objfs SOURCE DIR -o OPTIONS` and an
// fstab line (`mount -T FSTAB DIR`) mount through mount.fuse3, which runs
// `objfs SOURCE DIR -o OPTIONS`; both read and write, mount(8)'s own
// options are accepted, flags given as options take effect, `umount`
// ends the daemon, and an unknown option is refused by name.
func TestMountHelper(t *testing.T) {
	srv := requireMountable(t)
	installHelper(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "hello.txt", []byte("hello\n"))
	ep := serverEndpoint(srv)
	base := fmt.Sprintf("endpoint=%s,region=us-east-1,path_style", ep.URL)

	readWrite := func(t *testing.T, dir, key string) {
		t.Helper()
		if got := mustRun(t, "cat", filepath.Join(dir, "hello.txt")); got != "hello\n" {
			t.Fatalf("cat hello.txt: %q", got)
		}
		body := randomBytes(uint64(len(key)), 200<<10)
		if err := os.WriteFile(filepath.Join(dir, key), body, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := getRange(t, srv.SDK(), bucket, key, 0, int64(len(body))); md5hex(got) != md5hex(body) {
			t.Fatalf("%s written through the mount differs in S3", key)
		}
	}
	unmount := func(t *testing.T, parent, dir string) {
		t.Helper()
		if res := mount8(t, ep, parent, "umount", dir); res.code != 0 {
			t.Fatalf("umount %s: exit %d: %s", dir, res.code, res.stderr)
		}
		waitNoDaemon(t, dir, daemonWait)
	}

	t.Run("mount -t", func(t *testing.T) {
		parent, dir := newMountDir(t)
		logPath := filepath.Join(parent, "daemon.log")
		cleanupDaemons(t, dir, logPath, ep.SecretKey)
		res := mount8(t, ep, parent, "mount", "-t", "fuse.objfs", "s3://"+bucket, dir, "-o", base+",log_file="+logPath)
		if res.code != 0 {
			t.Fatalf("mount -t fuse.objfs: exit %d: %s", res.code, res.stderr)
		}
		if fstype, ok, _ := fuseMountAt(dir); !ok || fstype != "fuse.objfs" {
			t.Fatalf("mount returned 0 but %s is not a fuse.objfs mount (%q)", dir, fstype)
		}
		readWrite(t, dir, "via-mount-t.bin")
		unmount(t, parent, dir)
	})

	t.Run("fstab line", func(t *testing.T) {
		parent, dir := newMountDir(t)
		logPath := filepath.Join(parent, "daemon.log")
		cleanupDaemons(t, dir, logPath, ep.SecretKey)
		fstab := filepath.Join(parent, "fstab")
		line := fmt.Sprintf("s3://%s %s fuse.objfs rw,noauto,nofail,_netdev,user,x-systemd.automount,x-systemd.requires=network-online.target,comment=objfs-test,%s,file_mode=0640,stat_ttl=2s,log_file=%s 0 0\n",
			bucket, dir, base, logPath)
		if err := os.WriteFile(fstab, []byte("# objfs test\n"+line), 0o644); err != nil {
			t.Fatal(err)
		}
		res := mount8(t, ep, parent, "mount", "-T", fstab, dir)
		if res.code != 0 {
			t.Fatalf("mount -T %s: exit %d: %s\nline: %s", fstab, res.code, res.stderr, line)
		}
		readWrite(t, dir, "via-fstab.bin")
		st, err := os.Stat(filepath.Join(dir, "hello.txt"))
		if err != nil || st.Mode().Perm() != 0o640 {
			t.Errorf("hello.txt mode %v (%v), want 0640 from file_mode=0640", st.Mode(), err)
		}
		// "user" makes mount(8) add noexec, which objfs applies.
		if opts := mountOptionsAt(t, dir); !strings.Contains(opts, "noexec") {
			t.Errorf("mount options %q lack noexec (implied by user)", opts)
		}
		unmount(t, parent, dir)
	})

	t.Run("ro and refused option", func(t *testing.T) {
		parent, dir := newMountDir(t)
		cleanupDaemons(t, dir, "", ep.SecretKey)
		res := mount8(t, ep, parent, "mount", "-t", "fuse.objfs", "s3://"+bucket, dir, "-o", "ro,"+base)
		if res.code != 0 {
			t.Fatalf("mount -o ro: exit %d: %s", res.code, res.stderr)
		}
		if r := runTool("touch", filepath.Join(dir, "new")); r.Err == nil || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("touch on a ro mount: %v %q", r.Err, r.Stderr)
		}
		unmount(t, parent, dir)

		res = mount8(t, ep, parent, "mount", "-t", "fuse.objfs", "s3://"+bucket, dir, "-o", base+",cache_sise=1G")
		if res.code == 0 || !strings.Contains(res.stderr, `unknown mount option "cache_sise"`) {
			t.Fatalf("misspelt option: exit %d, stderr %q", res.code, res.stderr)
		}
		if mountedAt(dir) {
			t.Fatal("mounted despite the error")
		}
	})
}

// mountOptionsAt returns the per-mount options (field 6 of mountinfo) of
// the mount at dir.
func mountOptionsAt(t *testing.T, dir string) string {
	t.Helper()
	m, _, err := mountinfo.FindFile(mountinfo.Self, dir)
	if err != nil {
		t.Fatal(err)
	}
	return m.Options
}
