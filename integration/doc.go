// Package integration holds objfs's end-to-end tests: they build the real
// objfs binary, start MinIO on loopback (internal/testenv), mount through
// the kernel in a subprocess, drive the mount with ordinary tools (ls, cat,
// find, stat, md5sum, cp) and compare what they see with what S3 holds,
// read with the SDK.
//
// Everything is in _test.go files (Linux only); this file only documents
// the package. The harness:
//
//   - main_test.go: TestMain; builds the binary once (with -race, so data
//     races in the mount fail the test), or uses $OBJFS_BINARY.
//   - mount_test.go: type Mount, mount(t, source, args...), which starts
//     `objfs mount` with credentials in the environment, waits for the
//     kernel mount, and always unmounts (SIGTERM, then fusermount3 -u -z,
//     then SIGKILL), printing and saving the mount log when a test fails
//     (testdata/out/TEST.log). OBJFS_TEST_DEBUG=1 mounts with --debug, so
//     the log traces every FUSE operation.
//   - mountinfo_test.go: reads /proc/self/mountinfo; sweeps stale mounts of
//     crashed earlier runs.
//   - proxy_test.go: a counting reverse proxy in front of MinIO, to count
//     the S3 requests an operation sends (HEAD object, ListObjectsV2, ...).
//     proxy_loss_test.go lets it lose answers: a matching request reaches
//     MinIO, then the client's connection is closed without the answer.
//     proxy_checksum_test.go records how each upload proved its body and
//     can strip x-amz-checksum-* from answers, playing a server that
//     ignores flexible checksums.
//   - tools_test.go, s3_test.go: running tools; seeding and reading S3.
//
// Every objfs child gets Pdeathsig=SIGTERM, so that when a test binary dies
// objfs still unmounts itself. Mountpoints and the binary live in temporary
// directories named objfs-it-* that record their owner's pid; TestMain
// lazily unmounts any such mount whose server is gone (ENOTCONN) and removes
// the directories of owners that have exited (an earlier crashed run).
//
// There is no shared state between tests beyond the one MinIO server and
// the built binary, both created once; tests run sequentially. No locks.
package integration
