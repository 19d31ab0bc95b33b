// Package testenv is the shared test environment of objfs: it finds the
// pinned MinIO build, starts MinIO servers on loopback for tests, hands out
// fresh buckets and an S3 SDK client for seeding and checking, and decides
// whether a test that needs MinIO or FUSE skips or fails.
//
// It is test code: only _test.go files (and the demo seeder) import it. It
// may use aws-sdk-go-v2 directly because it checks objfs from the outside.
//
// # Tools
//
// The MinIO version is pinned in minio.version, the single source that the
// Makefile (`make tools`) and MinIOBinary both read. The binary is looked up
// in $OBJFS_MINIO, then $XDG_CACHE_HOME/objfs/tools/minio-DATE/minio
// (~/.cache when XDG_CACHE_HOME is unset), then $PATH.
//
// # Servers
//
// MinIO(t) returns one server shared by the whole test binary when the
// package's TestMain calls Main or Run; otherwise it starts a server for the
// test and stops it with t.Cleanup. NewMinIO(t) always starts a private
// server, for tests that stop and restart it (outages). Every MinIO child
// gets Pdeathsig=SIGKILL, so a test binary that crashes or is killed never
// leaves a server running (the signal follows the exit of the OS thread that
// started the child; Go only ends threads that a goroutine locked and did
// not unlock, which tests do not do). Run also removes the data directories
// of servers whose test binary died without cleaning up.
//
// # Skip or fail
//
// When MinIO or FUSE is missing a test skips with the way to install it,
// unless CI=true, OBJFS_REQUIRE_MINIO=1 or OBJFS_REQUIRE_FUSE=1 is set: then
// it fails, so CI never passes by skipping.
//
// # Lock order
//
// shared.mu (the shared server of the test binary: srv, err, enabled)
// before Server.mu (one server's process: cmd, exited). Server.mu is held
// across a whole Start or Stop, including the wait for readiness, and never
// across the S3 requests of tests, which take no lock.
package testenv
