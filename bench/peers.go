//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// A peer is another S3 file system run on the same workloads in the same
// run (-peers, `make bench PEERS="rclone s3fs"`): its figures are extra
// columns of the table. Each is mounted in its usual cached configuration
// over the same MinIO and bucket, with a disk cache in a temporary
// directory removed at unmount:
//
//   - rclone: `rclone mount :s3:BUCKET` with --vfs-cache-mode full (what
//     rclone recommends for applications that expect a file system) and
//     --vfs-write-back 0s (upload at close, not 5 s later, so the write
//     rows compare the same thing: time until S3 has the data).
//   - s3fs: s3fs-fuse with use_cache (files are cached whole on disk).
//
// Neither has a memory budget like --cache-size: the rows that set one
// run the peers with their defaults.
var peerNames = []string{"rclone", "s3fs"}

// parsePeers checks -peers: names of peerNames, space- or comma-separated.
func parsePeers(s string) ([]string, error) {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		if !slices.Contains(peerNames, p) {
			return nil, fmt.Errorf("unknown peer %q (known: %s)", p, strings.Join(peerNames, ", "))
		}
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Errorf("peer %s: %w (make bench PEERS=... installs it)", p, err)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// mountPeer mounts the bench bucket with peer name, its disk cache
// bounded by disk bytes where the peer can bound it (0: its default).
func (e *env) mountPeer(name string, disk int64) (*mount, error) {
	parent, err := os.MkdirTemp("", "objfs-bench-"+name+"-")
	if err != nil {
		return nil, err
	}
	dir, cache := filepath.Join(parent, "mnt"), filepath.Join(parent, "cache")
	for _, d := range []string{dir, cache} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	var cmd *exec.Cmd
	switch name {
	case "rclone":
		args := []string{"mount", ":s3:" + benchBucket, dir, "--config", filepath.Join(parent, "rclone.conf"),
			"--s3-provider", "Minio", "--s3-endpoint", e.srv.Endpoint, "--s3-region", e.srv.Region, "--s3-force-path-style",
			"--vfs-cache-mode", "full", "--vfs-write-back", "0s", "--cache-dir", cache, "--log-level", "NOTICE"}
		if disk > 0 {
			args = append(args, "--vfs-cache-max-size", fmt.Sprint(disk))
		}
		cmd = exec.Command("rclone", args...)
		cmd.Env = append(withoutAWS(os.Environ()),
			"RCLONE_S3_ACCESS_KEY_ID="+e.srv.AccessKey, "RCLONE_S3_SECRET_ACCESS_KEY="+e.srv.SecretKey)
	case "s3fs":
		passwd := filepath.Join(parent, "passwd")
		if err := os.WriteFile(passwd, []byte(e.srv.AccessKey+":"+e.srv.SecretKey+"\n"), 0o600); err != nil {
			return nil, err
		}
		cmd = exec.Command("s3fs", benchBucket, dir, "-f", "-o", "url="+e.srv.Endpoint, "-o", "use_path_request_style",
			"-o", "endpoint="+e.srv.Region, "-o", "passwd_file="+passwd, "-o", "use_cache="+cache, "-o", "dbglevel=warn")
		cmd.Env = withoutAWS(os.Environ())
	default:
		return nil, fmt.Errorf("unknown peer %q", name)
	}
	return startMount(cmd, parent, dir)
}
