package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/internal/mountinfo"
)

// The status socket: a serving objfs listens on a Unix socket named after
// its mountpoint, next to its pid file (daemon_pidfile.go):
// $XDG_RUNTIME_DIR/objfs/HASH.sock, else /run/objfs/HASH.sock for root,
// else $TMPDIR/objfs-UID/HASH.sock, HASH being the first 12 bytes of the
// SHA-256 of the mountpoint in hex. The directory is 0700 and the socket
// 0600, so only the mount's owner and root can connect (on Linux the
// daemon also checks the client's uid, SO_PEERCRED). A client
// connects and reads one statusReport as JSON; it sends nothing.

// statusSocketPath is the status socket of the mount at mountpoint
// (absolute) in dir.
func statusSocketPath(dir, mountpoint string) string {
	return mountFile(dir, mountpoint, ".sock")
}

// statusSocketCandidates are where the socket of a mount owned by uid
// (-1: unknown) may be: this user's runtime directory first, then the
// owner's (root reading a user's mount).
func statusSocketCandidates(mountpoint string, uid int) []string {
	dirs := []string{runtimeDir()}
	if uid >= 0 {
		u := strconv.Itoa(uid)
		dirs = append(dirs, filepath.Join("/run/user", u, "objfs"), filepath.Join(os.TempDir(), "objfs-"+u))
		if uid == 0 {
			dirs = append(dirs, "/run/objfs")
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if p := statusSocketPath(d, mountpoint); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// listenStatus serves report() on the mount's status socket until the
// returned function is called, which also removes the socket.
func listenStatus(log *slog.Logger, mountpoint string, report func() statusReport) (func(), error) {
	path := statusSocketPath(runtimeDir(), mountpoint)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return func() {}, err
	}
	_ = os.Remove(path) // left by a killed objfs on this mountpoint
	ln, err := net.Listen("unix", path)
	if err != nil {
		return func() {}, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return func() {}, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					log.Warn("status socket stopped", "err", err)
				}
				return
			}
			go func() {
				defer conn.Close()
				if !peerAllowed(conn) {
					log.Warn("status socket: refused a client that is neither root nor this mount's owner")
					return
				}
				_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if err := json.NewEncoder(conn).Encode(report()); err != nil {
					log.Debug("status: writing the report", "err", err)
				}
			}()
		}
	}()
	return func() { ln.Close() }, nil
}

// errNoStatus means no serving objfs answered for the mountpoint.
var errNoStatus = errors.New("no objfs status socket answers")

// readStatus asks the daemon of mountpoint (owned by uid, -1 unknown)
// for its report.
func readStatus(mountpoint string, uid int) (statusReport, error) {
	var firstErr error
	for _, path := range statusSocketCandidates(mountpoint, uid) {
		r, err := readStatusAt(path)
		if err == nil {
			return r, nil
		}
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			return statusReport{}, fmt.Errorf("%s: permission denied: only root and the mount's owner can read its status", path)
		}
		if firstErr == nil && !errors.Is(err, syscall.ENOENT) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return statusReport{}, fmt.Errorf("%w for %s: %v", errNoStatus, mountpoint, firstErr)
	}
	return statusReport{}, fmt.Errorf("%w for %s (an objfs older than this one, or its daemon was killed)", errNoStatus, mountpoint)
}

func readStatusAt(path string) (statusReport, error) {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return statusReport{}, err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var r statusReport
	if err := json.NewDecoder(io.LimitReader(conn, 16<<20)).Decode(&r); err != nil {
		return statusReport{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return r, nil
}

// objfsMounts lists the objfs mounts of the mount table (file), or the
// one at mountpoint when given (an error if it is not an objfs mount).
func objfsMounts(file, mountpoint string) ([]mountinfo.Mount, error) {
	all, err := mountinfo.AllFile(file)
	if err != nil {
		return nil, err
	}
	var out []mountinfo.Mount
	for _, m := range all {
		if m.FSType != "fuse.objfs" {
			continue
		}
		if mountpoint == "" || m.MountPoint == mountpoint {
			out = append(out, m)
		}
	}
	if mountpoint != "" && len(out) == 0 {
		return nil, fmt.Errorf("%s is not an objfs mount", mountpoint)
	}
	return out, nil
}

// ownerOf is the uid of a FUSE mount's owner (its user_id option), or -1.
func ownerOf(m mountinfo.Mount) int {
	if v, ok := mountinfo.Option(m.SuperOptions, "user_id"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return -1
}

// connectorDesc is what status tells of a connector.
func connectorDesc(c *acl.Connector) connectorReport {
	return connectorReport{Label: c.Label, Endpoint: c.Endpoint, Access: c.Access.String()}
}
