// Package vfs is the objfs file system without FUSE: one tree over one
// Source (s3://BUCKET, s3://BUCKET/PREFIX/ or s3:// for all buckets),
// called by the go-fuse adapter (package fs) and testable against
// remote.Fake without a mount. It never imports go-fuse; it returns
// errors: remote's sentinels, its own, *WriteError, *Refused),
// which the adapter maps to errno in one table.
//
// # Types
//
//   - FS: the tree: Config, the remote.Client (wrapped by
//     remote.RestrictObserved when a connector is set), the block cache
//     and metadata cache, the write path (writeback.Uploader) and the node
//     generation. A connector's denials (refused changes, changes the
//     restricted client refused underneath, and lookups of names no
//     pattern reaches: denied reads) are counted as denied decisions
//     (Observer) and logged at info, rate-limited per operation and path
//     (denials.go; its mutex is a leaf).
//   - Dir and File (Node): what the kernel sees as inodes. Each has an
//     inode number hashed from bucket and key and a generation that
//     unlink, rmdir and rename move on, so that a node removed or renamed
//     away while open never merges with a new node for its old key.
//     A Dir keeps the children it has handed out: rename,
//     rmdir and lookups of files being written ask that map, never the
//     adapter's tree.
//   - Symlink (Node): a symbolic link, stored as rclone stores links:
//     the object NAME.rclonelink whose body is the target (symlink.go
//     says why). A listing marks such keys as links (entry.link) under
//     NAME, with the key's size as st_size, so lstat needs no HEAD;
//     readlink GETs the body once and the node keeps it. A directory
//     hides a file or link of the same name, a file a link. A name
//     ending in .rclonelink can only be a directory: files and links of
//     such names cannot be created (they would read back as link NAME),
//     and a lookup of one asks for the directory alone (Dir.probeDir).
//     Links are not followed here: the kernel resolves paths through
//     them, so a connector's patterns apply to each object reached.
//   - Mode and owner (ownership.go): stored in x-amz-meta-mode, -uid,
//     -gid (s3fs's and rclone's keys) of the object, or of a directory's
//     marker; read from a HEAD like the mtime (entry.stored), never from
//     a listing; Config.Fixed makes the mount's values win. chmod and
//     chown are a metadata-only copy (writeback), or a PutObject of a
//     directory's marker (Dir.stored, guarded by Dir.attrMu, a leaf).
//   - File state (nodeWrites): clean (no writer);
//     writing (a writeback.Writer shared by its write handles); created
//     locally (writing, not in S3 yet: lookups and listings answer from
//     the node); unlinked (removed while open: the writer serves its
//     handles and is never committed); kept for readers (removed while
//     read handles held it: a writer, opened at unlink over the current
//     version or left by the last write handle, serves them until the
//     last one is released). Transitions: open for writing or create →
//     writing; commit (flush, fsync, rename, last release) → clean with
//     the new version recorded (committed), except that a flush of a
//     created file still empty commits nothing (deferEmpty: it reaches
//     S3 with its content, or at its last release); unlink
//     → unlinked; last write release → clean (a local file that never
//     reached S3 disappears), or kept for readers when unlinked and read
//     handles remain; last read release → clean.
//   - Extended attributes (xattr.go, with Config.Xattrs): a file's
//     user.s3.* attributes come from a HEAD (entry.s3, objectMeta), kept
//     on the node with its other HEAD attributes and refreshed after
//     StatTTL; names outside user.s3. cost nothing. Directories and links
//     have none.
//   - ReadHandle: one read-only open, pinned to an ETag; it reads through
//     the block cache or, while the file has a
//     writer, through the writer. A read inside one block on the disk
//     tier may come back as a range of the cache file (ReadSpan,
//     ReadResult) for the adapter to splice; an open of a fully disk-cached
//     version holds its cache file (Whole, passthrough.go) for the adapter
//     to hand the kernel. WriteHandle: one open that may write.
//   - DirStream: one open directory, holding the listing snapshot it
//     started with (stable offsets, READDIRPLUS lookups from it).
//   - asOfClient (asof*.go): with Config.AsOf, the client under the
//     whole tree is a read-only view of versioned buckets at that time:
//     listings from ListObjectVersions, reads by versionId; the tree
//     above is unchanged. Its asOfClient.mu guards what it has learned
//     (versions, live prefixes, versioning states); a leaf.
//   - browseClient (browse*.go): with Config.VersionsDir, the version
//     browser: a directory of that name at each bucket root of the tree,
//     hidden from listings (Dir.resolve answers it before the listing
//     snapshot), whose virtual keys the client maps to versions of the
//     real keys (ListObjectVersions, HEAD and GET by versionId); changes
//     under it are refused (FS.mayChange, and the client). Its
//     browseClient.mu guards which buckets hold a real key of that name;
//     a leaf.
//   - filePrefetch (prefetch.go): the data-loader prefetch, which follows
//     the order of opens per directory against its listing and fetches
//     the next files' first blocks on a few workers of its own.
//   - missBatches (missbatch.go): per directory, the recent lookups that
//     found names missing and a one-page listing that answers further
//     missing names for StatTTL (never a positive answer, never readdir).
//
// Work that should survive an interrupted request runs detached from it
// (listings on FS.bg, block fetches in the cache's fills, commits with
// FS.detached), bounded by the configured timeouts.
//
// # Locks
//
//   - FS.mu guards mounted. FS.treeMu guards every Dir's children and
//     every node's parent and name; it is a leaf.
//   - File.mu guards key, info, changed, pages, wr (nodeWrites) and
//     readers; File.moves is bumped under it. Symlink.mu guards a link's
//     key, attributes and target; it is a leaf.
//   - File.io (RWMutex) orders data operations against the ones that
//     move or end the node's writer: read through the writer, write,
//     flush, fsync, truncate through a handle and acquiring the writer
//     share it; releasing the last write handle, unlink, rename and
//     truncate or utimens by path hold it alone. It is held while waiting
//     for the network (a commit, a copy).
//   - ReadHandle.rmu guards a read handle's pinned ETag, reader and the
//     moves count it last saw; File.mu may be taken under it.
//   - DirStream.mu guards its snapshot; dirCache.mu the listing in flight;
//     readahead.mu one handle's stream state; warnOnce.mu its sets;
//     filePrefetch.mu its directories' order and the files it fetched;
//     missBatches.mu every directory's misses and batch; topUps.mu the
//     object versions being completed on disk (topup.go). The last three
//     are leaves.
//   - writeback and cache have their own locks (their package docs).
//
// Lock order: File.io before File.mu and before the writer's locks
// (File.mu is never held while calling the writer); ReadHandle.rmu before
// File.mu. Whoever holds several io locks (a rename: source and target; a
// directory rename: every open file below it) takes them in the order of
// their serial numbers (lockFiles; inode numbers repeat), so two renames in opposite directions cannot wait
// for each other. treeMu and the cache package's locks are leaves.
package vfs
