// Command objfs mounts S3-compatible object storage as a local directory
// tree (see SPEC.md and README.md).
//
// This package is the only one that imports urfave/cli. It owns:
//
//   - main.go: the cli.App, its commands, and the one place where an error
//     becomes the single stderr line "objfs: <message>" and an exit code
//     (0 ok, 1 runtime failure, 2 usage error).
//   - flags.go: the mount flags, grouped by category, and the functions that
//     map them once onto remote.S3Config and fs.Config.
//   - logging.go: the slog handler (text or json, on stderr) with a redaction
//     guard so credential values never reach a log line.
//   - preflight.go: the checks run before mounting (mountpoint, endpoint,
//     credentials, bucket), bounded to well under 15 seconds;
//     preflight_errors.go turns each failure class into one clear sentence.
//   - mount.go: `objfs mount`: arguments, configs, S3 client, preflight.
//   - serve.go: fs.New and Mount, then serve until SIGINT/SIGTERM or an
//     external unmount; unmount (retried, lazy as a last resort), then
//     fs.Close flushes; exit 0 with nothing left mounted.
//   - umount.go (+ umount_linux.go / umount_other.go): `objfs umount` and the
//     unmount helper that mount.go also uses for its lazy last resort.
//   - version.go: `objfs version`.
//
// Credentials never come from flags (they would show in ps): only from the
// environment, a named profile or the SDK's default chain, resolved inside
// package remote.
//
// Concurrency: the mount command runs one goroutine waiting on the FUSE
// server next to the main goroutine waiting on signals; they share only a
// channel that the first closes. There are no mutexes in this package, so
// there is no lock order.
package main
