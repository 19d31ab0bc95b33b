// Command bench is `make bench`: it measures objfs against the raw S3
// ceiling on this machine and prints one table.
//
// It starts its own MinIO on loopback (internal/testenv), seeds it, mounts
// the real objfs binary (built by `make build`) through the kernel, and for
// each workload measures objfs's figure and the figure of the same work
// done with aws-sdk-go-v2 directly against the same MinIO in the same run
// (the ceiling), and prints their ratio with the goal:
//
//  1. cold sequential read of a 2 GiB object (page cache dropped, fresh
//     mount), MB/s. Raw: the better of one streaming GET and 8 ranged GETs
//     of 8 MiB in flight.
//     1b. the CPU it cost per GiB (objfs daemon and reader, raw client;
//     MinIO's share in the note) and the throughput the cores could give
//     if CPU were the only limit, which on a machine where MinIO shares
//     the cores is what caps the ratio. 1c. the same read with
//     --direct-io (no page cache).
//  2. warm re-read of the same object from the block cache (a mount whose
//     --cache-size holds it, page cache dropped again), MB/s.
//  3. random 4 KiB reads on it, 4 readers, for a fixed time: IOPS and p99
//     latency, with a cold and with a warm block cache. Raw: 4 KiB ranged
//     GETs.
//  4. `ls -l` and `find` of a 10,000-object directory, cold (fresh mount)
//     and cached (again), seconds. Raw: the ListObjectsV2 pages.
//  5. 1,000 files of 128 KiB read by 16 parallel readers after listing
//     their directory (a data loader), files/s. Raw: 16-way GetObject
//     after ListObjectsV2. 5b: the same files read by one reader in
//     listing order on a fresh mount (tar c, cat dir/*), with the
//     data-loader prefetch's files issued, hits and wasted from the
//     mount's log in the note. Raw: one GetObject after another.
//  6. peak RSS (VmHWM, reset through /proc/PID/clear_refs) of the daemon
//     during 1 and 5, against --cache-size + 64 MiB.
//  7. sequential write of a 1 GiB file through the mount (close returns
//     once S3 has it) against a raw multipart upload of the same bytes
//     (8 MiB parts, 8 in flight), best of two rounds in alternating order
//     (a fresh MinIO takes its first gigabyte faster); "n/a" while the
//     mount is read-only.
//  8. `cp -r` of 1,000 local files of 4 KiB into a fresh mount, timed
//     until objfs has exited (every file in S3), files/s. Raw: the same
//     PutObjects one after another from one goroutine.
//  9. time to first byte of the cold big object: open and a 1-byte read
//     on a fresh mount, page cache dropped, median of 3, ms. Raw: a
//     1-byte ranged GET.
//  10. 4 sequential readers of 4 different objects (big/4 each) at once
//     on a mount with --cache-size 512M, MB/s, and the daemon's peak RSS
//     (10b). Raw: 4 streaming GETs at once.
//  11. re-read of the big object from the disk tier (a mount whose
//     --cache-disk-size holds it, read once, page cache dropped), MB/s.
//     Raw: the same bytes read from a local file on the same file system
//     (the physical ceiling). 12. random 4 KiB reads over it, 4 readers,
//     against the same reads of the local file.
//
// With -peers (`make bench PEERS="rclone s3fs"`, which installs the
// Debian packages when missing) every workload also runs on each peer,
// mounted over the same MinIO in its usual cached configuration
// (peers.go), and the table gets a column per peer. Writes by a peer are
// timed until S3 holds the data, as objfs's close already waits for it.
//
// Dropping the page cache and raising the mount's kernel readahead need
// root; without it the table says the page cache was not dropped.
//
//	go run ./bench -objfs bin/objfs            # the full run (~5 min here)
//	go run ./bench -objfs bin/objfs -big 256M  # a quick one
//
// Files: main.go (flags, the run, the table), env.go (MinIO, SDK,
// seeding), mount.go (the objfs subprocess, RSS, page cache), seqread.go,
// random.go, listing.go, smallfiles.go, write.go, create.go,
// phases_more.go (9 to 12) (the workloads), peers.go and peers_phases.go
// (the peers' mounts and runs), table.go (rows and printing). Nothing here is shared between
// goroutines except what each workload's own WaitGroup joins.
package main
