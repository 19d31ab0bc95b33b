// Command objfs mounts S3-compatible object storage as a local directory
// tree (see SPEC.md and README.md).
//
// This package is the only one that imports urfave/cli. It owns:
//
//   - main.go: the cli.App, its commands, and the one place where an error
//     becomes the single stderr line "objfs: <message>" and an exit code
//     (0 ok, 1 runtime failure, 2 usage error).
//   - flags.go: the mount flags, grouped by category, and the functions that
//     map them once onto remote.S3Config and vfs.Config.
//     netflags.go: --request-timeout and --retry-budget, and the
//     remote.RetryConfig they make; s3flags.go: the flags for public,
//     requester-pays and encrypted buckets and a CA bundle, onto
//     remote.S3Config.
//   - logging.go: the slog handler (text or json, on stderr) with a redaction
//     guard so credential values never reach a log line.
//   - preflight.go: the checks run before mounting (mountpoint, empty
//     unless --allow-non-empty, endpoint, credentials, bucket, and whether
//     the prefix holds anything, warned once), bounded to well under 15
//     seconds;
//     preflight_errors.go turns each failure class into one clear sentence.
//     mounted_linux.go / mounted_other.go: what is already mounted on the
//     mountpoint (refused, as mountpoint-s3 does; /proc on Linux only).
//   - mount.go: `objfs mount`: arguments, configs, S3 client, preflight.
//   - mountopts.go: the mount(8) command lines (`objfs SOURCE MOUNTPOINT
//     -o OPTIONS` as mount.fuse3 runs it, and -o anywhere in `objfs
//     mount`) translated into ordinary flags before the app parses them:
//     every mount flag is an option (- or _), ro/rw and noexec/exec map
//     to flags, mount(8)'s own options are ignored, anything else is an
//     error that names it.
//   - daemon.go: daemon mode (the default): the parent checks the command
//     line, runs itself again as a detached child and returns once the
//     child reports the mount ready on a pipe, or exits with the child's
//     status and error; --foreground and NOTIFY_SOCKET stay attached.
//     daemon_log.go: where logs go (--log-file, stderr, syslog, else
//     --cache-dir/objfs.log).
//     daemon_pidfile.go: the serving process's pid, recorded per
//     mountpoint, so that `objfs umount` returns only once the daemon has
//     flushed and exited, and the mark `objfs umount` leaves so that the
//     daemon logs who unmounted it.
//   - notify.go: sd_notify (READY=1, STATUS=, STOPPING=1) without
//     libsystemd.
//   - serve.go: fs.New and Mount, then: check that the mount answers and
//     report it ready; serve until SIGINT/SIGTERM or an external unmount;
//     unmount (lazily when busy, serving files still being written until
//     they are closed, bounded by --shutdown-timeout), then fs.Close
//     flushes with progress; exit 0 with nothing left mounted.
//     serve_env.go: what a serving process sets up once for both mount
//     paths (log destination, metrics server and its decorator and
//     observer, lifecycle events), carried in the command's context.
//   - umount.go (+ umount_linux.go / umount_other.go): `objfs umount` (which
//     then waits for the mount's daemon to exit) and the unmount helper
//     that serve.go also uses for its lazy detach.
//   - status.go: `objfs status [--json] [MOUNTPOINT]`: finds the objfs
//     mounts in the mount table and asks each daemon for its report;
//     status_socket.go: the daemon's Unix socket (named after the
//     mountpoint next to the pid file, 0600 in a 0700 directory;
//     status_peer_linux.go checks the client's uid) and its client; status_report.go: the report (statusReport, the JSON
//     shape), built from the trees, the metrics' counters and the ring of
//     recent warning and error lines kept on the log writer. `objfs
//     umount --lazy` follows pending uploads through the same socket.
//   - version.go: `objfs version` and `objfs --version`: the module
//     version and commit from the build info, or from make build's
//     -ldflags where Go records none.
//   - connectors.go: `objfs connectors check FILE` (problems as FILE:LINE,
//     warnings, and --path/--op explanations, flags before or after FILE:
//     flagsFirst) and loading a connectors
//     file for both commands. connectors_mount.go: `objfs mount
//     --connectors FILE MOUNTPOINT`: per connector its credentials, its
//     remote.S3Config, its share of the write budget and its fs.FS (all
//     sharing one block cache), mounted with fs.MountConnectors; the
//     redacting logger also knows the connectors' keys. connectors_preflight.go: each
//     connector's preflight (what its tree will list first) and messages
//     whose advice names the connector's credentials.
//   - csi.go: `objfs csi`, the Kubernetes node plugin: flags onto
//     csi.Config (package csi holds the Identity and Node services, which
//     publish by running this binary's `objfs mount`), the gRPC server on
//     the Unix socket, and a log line per failed call (never its request,
//     which carries the secret). With --controller it also serves the
//     Controller service, over csi_store.go's s3Store (package remote).
//   - csi_mounter.go: `objfs csi-mounter`, the long-lived half of the
//     hand-off: csi.ServeMounter, starting each handed-off mount with
//     spawnDaemon (daemon.go, the descriptor as fd 4) and waiting for one
//     to exit by its pid file. fusefd.go: `objfs mount --fuse-fd N`
//     (hidden), which serves a descriptor mounted elsewhere.
//
// Credentials never come from flags (they would show in ps): only from the
// environment, a named profile or the SDK's default chain, resolved inside
// package remote.
//
// Concurrency: the mount command runs one goroutine waiting on the FUSE
// server next to the main goroutine waiting on signals; they share only a
// channel that the first closes. A flush reports progress from one more
// goroutine that only reads the trees' pending uploads; the daemon's
// parent copies the child's stderr in another; the status socket accepts
// in one and answers each client in its own, reading the trees and
// metrics (safe for concurrent use). The mutexes, errorRing.mu and
// lockedBuffer.mu, are leaves: held only to copy bytes in or out.
package main
