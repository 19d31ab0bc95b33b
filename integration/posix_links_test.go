//go:build linux

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// requireTool fails (in CI, or when make test requires the tools) or
// skips when name is not installed.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if testenv.InCI() || os.Getenv(testenv.EnvRequireMinIO) == "1" {
			t.Fatalf("%s not installed: scripts/install-tools.sh installs it", name)
		}
		t.Skipf("%s not installed: scripts/install-tools.sh installs it", name)
	}
}

// TestSymlinks: ln -s through the mount stores NAME.rclonelink holding
// the target; readlink, lstat, paths through links (to a file, to a
// directory), dangling links, mv and rm work; a fresh mount reads them
// back.
func TestSymlinks(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	mustRun(t, "mkdir", m.Path("d"))
	if err := os.WriteFile(m.Path("d", "f"), []byte("through a link\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"lf": "d/f", "ld": "d", "dangling": "nowhere/x", "abs": "/proc/self"}
	for name, target := range links {
		mustRun(t, "ln", "-s", target, m.Path(name))
	}
	for name, target := range links {
		if got := mustRun(t, "readlink", m.Path(name)); got != target+"\n" {
			t.Errorf("readlink %s: %q, want %q", name, got, target)
		}
		st, err := os.Lstat(m.Path(name))
		if err != nil || st.Mode()&os.ModeSymlink == 0 || st.Size() != int64(len(target)) {
			t.Errorf("lstat %s: %v, %v", name, st, err)
		}
		if body, ok := getObject(t, srv.SDK(), bucket, name+".rclonelink"); !ok || string(body) != target {
			t.Errorf("S3 holds %q (%v) at %s.rclonelink, want %q", body, ok, name, target)
		}
	}
	if got := mustRun(t, "cat", m.Path("lf")); got != "through a link\n" {
		t.Errorf("cat through a link: %q", got)
	}
	if got := mustRun(t, "ls", m.Path("ld")+"/"); got != "f\n" {
		t.Errorf("ls through a link to a directory: %q", got)
	}
	if _, err := os.Stat(m.Path("dangling")); !os.IsNotExist(err) {
		t.Errorf("stat through a dangling link: %v, want ENOENT", err)
	}
	if err := os.Link(m.Path("d", "f"), m.Path("hard")); !isErrno(err, syscall.EPERM) {
		t.Errorf("a hard link: %v, want EPERM", err)
	}
	mustRun(t, "mv", m.Path("lf"), m.Path("d", "moved"))
	if r := runTool("cat", m.Path("d", "moved")); r.Err == nil { // its target d/f is now d/d/f: missing
		t.Errorf("a moved link does not keep its relative target: read %q", r.Stdout)
	}
	if got := mustRun(t, "readlink", m.Path("d", "moved")); got != "d/f\n" {
		t.Errorf("readlink of the moved link: %q", got)
	}
	mustRun(t, "ln", "-sfn", "f", m.Path("d", "moved"))
	if got := mustRun(t, "cat", m.Path("d", "moved")); got != "through a link\n" {
		t.Errorf("cat through a replaced link: %q", got)
	}
	mustRun(t, "rm", m.Path("dangling"), m.Path("ld"))
	if got := mustRun(t, "ls", m.Path("d")+"/"); got != "f\nmoved\n" { // rm of a link to a directory left it
		t.Errorf("after rm: %q", got)
	}

	fresh := mount(t, "s3://"+bucket)
	out := mustRun(t, "ls", "-l", fresh.Path("d"), fresh.Path())
	for _, want := range []string{"moved -> f", "abs -> /proc/self"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls -l on a fresh mount does not show %q:\n%s", want, out)
		}
	}
	if got := listKeys(t, srv.SDK(), bucket); !slices.Equal(got, []string{"abs.rclonelink", "d/", "d/f", "d/moved.rclonelink"}) {
		t.Errorf("S3 holds %q", got)
	}
}

// isErrno reports whether err wraps errno.
func isErrno(err error, errno syscall.Errno) bool {
	var e syscall.Errno
	for err != nil {
		if x, ok := err.(syscall.Errno); ok {
			e = x
			break
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return e == errno
}

// TestModes: chmod +x survives a remount and the script runs; a mode is
// enforced by the kernel (default_permissions) for a user who is not
// root; flags given explicitly fix mode and owner over what is stored.
func TestModes(t *testing.T) {
	t.Parallel()
	requireTool(t, "setpriv")
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket, "--allow-other")
	script := m.Path("run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "chmod", "+x", script)
	if got := mustRun(t, script); got != "ran\n" {
		t.Fatalf("the script printed %q", got)
	}
	if err := os.WriteFile(m.Path("secret"), []byte("s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, meta := headMeta(t, srv.SDK(), bucket, "run.sh"); meta["mode"] != "0100755" || meta["uid"] != "0" {
		t.Errorf("run.sh's metadata: %v", meta)
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}

	m = mount(t, "s3://"+bucket, "--allow-other")
	// Let a user who is not root reach the mount point.
	if err := os.Chmod(filepath.Dir(m.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(m.Path("run.sh")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("run.sh after a remount: %v, %v", st, err)
	}
	if got := mustRun(t, m.Path("run.sh")); got != "ran\n" {
		t.Fatalf("the script printed %q after a remount", got)
	}
	nobody := []string{"--reuid=65534", "--regid=65534", "--clear-groups"}
	r := runTool("setpriv", append(nobody, "cat", m.Path("secret"))...)
	if r.Err == nil || !strings.Contains(r.Stderr, "Permission denied") {
		t.Errorf("another user reads a 0600 file: %q, %v, %q", r.Stdout, r.Err, r.Stderr)
	}
	mustRun(t, "chmod", "644", m.Path("secret"))
	if got := mustRun(t, "setpriv", append(nobody, "cat", m.Path("secret"))...); got != "s\n" {
		t.Errorf("another user reads the file made 0644: %q", got)
	}
	r = runTool("setpriv", append(nobody, "sh", "-c", "echo x > "+m.Path("secret"))...)
	if r.Err == nil || !strings.Contains(r.Stderr, "Permission denied") {
		t.Errorf("another user writes a 0644 file of root's: %v, %q", r.Err, r.Stderr)
	}
	mustRun(t, "chown", "65534:65534", m.Path("secret"))
	mustRun(t, "setpriv", append(nobody, "sh", "-c", "echo mine > "+m.Path("secret"))...)
	mustRun(t, "mkdir", m.Path("private"))
	mustRun(t, "chmod", "700", m.Path("private"))
	if _, meta := headMeta(t, srv.SDK(), bucket, "private/"); meta["mode"] != "040700" {
		t.Errorf("the directory's marker: %v", meta)
	}

	fixed := mount(t, "s3://"+bucket, "--file-mode", "0640", "--uid", "4321")
	st, err := os.Stat(fixed.Path("run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); st.Mode().Perm() != 0o640 || sys.Uid != 4321 {
		t.Errorf("with fixed flags: mode %v uid %d", st.Mode(), sys.Uid)
	}
	if st, err := os.Stat(fixed.Path("private")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("a directory's stored mode on a mount fixing only files: %v, %v", st, err)
	}
}

// TestToolsWithLinksAndModes: tar, rsync -a and git clone through the
// mount of a tree with a symbolic link (to a file and to a directory) and
// an executable file: round trips keep links, modes and times.
func TestToolsWithLinksAndModes(t *testing.T) {
	t.Parallel()
	requireTool(t, "rsync")
	requireTool(t, "git")
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket)
	work := t.TempDir()
	src := filepath.Join(work, "src")
	makeTree(t, src, 20)
	if err := os.WriteFile(filepath.Join(src, "run.sh"), []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"link": "run.sh", "dirlink": "d1", "dangling": "gone"} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("tar", func(t *testing.T) {
		in, out := filepath.Join(work, "in.tar"), filepath.Join(work, "out.tar")
		mustRun(t, "tar", "cf", in, "-C", src, ".")
		mustRun(t, "mkdir", m.Path("tar"))
		mustRun(t, "tar", "xf", in, "-C", m.Path("tar"))
		mustRun(t, "tar", "cf", out, "-C", m.Path("tar"), ".")
		a, b := tarListing(t, in), tarListing(t, out)
		if !slices.Equal(a, b) {
			t.Fatalf("tar listings differ:\n in  %q\n out %q", first(a, b), first(b, a))
		}
		if !slices.ContainsFunc(b, func(l string) bool { return strings.HasPrefix(l, "-rwxr-xr-x") && strings.HasSuffix(l, "./run.sh") }) {
			t.Errorf("no executable run.sh in %q", b)
		}
		back := filepath.Join(work, "back")
		mustRun(t, "mkdir", back)
		mustRun(t, "tar", "xf", out, "-C", back)
		mustRun(t, "diff", "-r", "--no-dereference", src, back)
	})

	t.Run("rsync", func(t *testing.T) {
		if got := mustRun(t, "rsync", "-a", src+"/", m.Path("rsync")+"/"); got != "" {
			t.Logf("rsync: %s", got)
		}
		mustRun(t, "diff", "-r", "--no-dereference", src, m.Path("rsync"))
		if got := changedBesidesDirTimes(mustRun(t, "rsync", "-a", "-i", src+"/", m.Path("rsync")+"/")); len(got) > 0 {
			t.Errorf("the second rsync -a changed: %q", got)
		}
		fresh := mount(t, "s3://"+bucket)
		if got := changedBesidesDirTimes(mustRun(t, "rsync", "-a", "-i", src+"/", fresh.Path("rsync")+"/")); len(got) > 0 {
			t.Errorf("rsync -a on a fresh mount changed: %q", got)
		}
	})

	t.Run("git", func(t *testing.T) {
		repo := filepath.Join(work, "repo")
		git := func(dir string, args ...string) string {
			return mustRun(t, "git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com",
				"-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"}, args...)...)
		}
		mustRun(t, "cp", "-a", src, repo)
		git(repo, "init", "-q")
		git(repo, "add", "-A")
		git(repo, "commit", "-q", "-m", "tree with links and an executable")
		git(work, "clone", "-q", repo, m.Path("clone"))
		git(m.Path("clone"), "fsck", "--full", "--strict")
		if got := git(m.Path("clone"), "status", "--porcelain"); got != "" {
			t.Errorf("git status after clone:\n%s", got)
		}
		if got := git(m.Path("clone"), "ls-files", "-s", "run.sh", "link"); !strings.Contains(got, "100755") || !strings.Contains(got, "120000") {
			t.Errorf("ls-files: %s", got)
		}
		if target, err := os.Readlink(m.Path("clone", "link")); err != nil || target != "run.sh" {
			t.Errorf("the cloned link: %q, %v", target, err)
		}
		fresh := mount(t, "s3://"+bucket)
		git(fresh.Path("clone"), "fsck", "--full", "--strict")
		if got := git(fresh.Path("clone"), "status", "--porcelain"); got != "" {
			t.Errorf("git status on a fresh mount:\n%s", got)
		}
	})
}

// changedBesidesDirTimes drops from rsync -i output the lines that only
// say a directory's time differs (S3 keeps no directory mtime).
func changedBesidesDirTimes(out string) []string {
	var kept []string
	for _, l := range lines(out) {
		if item, _, _ := strings.Cut(l, " "); item == ".d..t......" {
			continue
		}
		kept = append(kept, l)
	}
	return kept
}

// TestRcloneInterop: rclone (with --links and --metadata) reads back the
// links and modes objfs stores, and objfs reads rclone's: both use
// NAME.rclonelink objects and x-amz-meta-mode (rclone writes octal
// without a leading 0).
func TestRcloneInterop(t *testing.T) {
	t.Parallel()
	requireTool(t, "rclone")
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	cfg := filepath.Join(t.TempDir(), "rclone.conf")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The remote comes from the environment: secrets stay off command
	// lines (TestConnectors checks ps for this server's secret).
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "RCLONE_") { // no CA bundle or profile of the machine
			env = append(env, kv)
		}
	}
	env = append(env, "LC_ALL=C", "RCLONE_CONFIG="+cfg,
		"RCLONE_CONFIG_IT_TYPE=s3", "RCLONE_CONFIG_IT_PROVIDER=Minio", "RCLONE_CONFIG_IT_ENV_AUTH=false",
		"RCLONE_CONFIG_IT_ACCESS_KEY_ID="+srv.AccessKey, "RCLONE_CONFIG_IT_SECRET_ACCESS_KEY="+srv.SecretKey,
		"RCLONE_CONFIG_IT_ENDPOINT="+srv.Endpoint, "RCLONE_CONFIG_IT_REGION=us-east-1")
	rclone := func(args ...string) {
		t.Helper()
		cmd := exec.Command("rclone", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rclone %q: %v\n%s", args, err, out)
		}
	}

	m := mount(t, "s3://"+bucket)
	mustRun(t, "mkdir", m.Path("fromobjfs"))
	if err := os.WriteFile(m.Path("fromobjfs", "run.sh"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "chmod", "750", m.Path("fromobjfs", "run.sh"))
	mustRun(t, "ln", "-s", "run.sh", m.Path("fromobjfs", "link"))
	down := filepath.Join(t.TempDir(), "down")
	// Two passes: rclone 1.60 (Debian's) also restores S3's content-type
	// as an xattr, which Linux refuses on a symlink.
	rclone("copy", "--metadata", "--exclude", "*.rclonelink", "it:"+bucket+"/fromobjfs", down)
	rclone("copy", "--links", "it:"+bucket+"/fromobjfs", down)
	if target, err := os.Readlink(filepath.Join(down, "link")); err != nil || target != "run.sh" {
		t.Errorf("rclone's copy of objfs's link: %q, %v", target, err)
	}
	if st, err := os.Stat(filepath.Join(down, "run.sh")); err != nil || st.Mode().Perm() != 0o750 {
		t.Errorf("rclone's copy of objfs's 0750 file: %v, %v", st, err)
	}

	up := filepath.Join(t.TempDir(), "up")
	if err := os.MkdirAll(up, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(up, "tool.sh"), []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(up, "tool.sh"), 0o701); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("tool.sh", filepath.Join(up, "l2")); err != nil {
		t.Fatal(err)
	}
	rclone("copy", "--links", "--metadata", up, "it:"+bucket+"/fromrclone")
	fresh := mount(t, "s3://"+bucket)
	if target, err := os.Readlink(fresh.Path("fromrclone", "l2")); err != nil || target != "tool.sh" {
		t.Errorf("objfs reads rclone's link: %q, %v", target, err)
	}
	if st, err := os.Stat(fresh.Path("fromrclone", "tool.sh")); err != nil || st.Mode().Perm() != 0o701 {
		t.Errorf("objfs reads rclone's 0701 mode: %v, %v", st, err)
	}
}
