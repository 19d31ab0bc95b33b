// Package fs is the objfs file tree: go-fuse (fs API) nodes over
// FUSE-agnostic core code, for one Source (s3://BUCKET, s3://BUCKET/PREFIX/
// or s3:// for all buckets). The tree is read-write unless Config.ReadOnly
// is set (or a connector refuses the change): then every mutating call
// gives EROFS and no request that could change the bucket is sent.
//
// # Files
//
//   - config.go, source.go: Config (defaults, Validate) and Source
//     (ParseSource, String).
//   - names.go: key <-> name rules. A key maps to a path by splitting on
//     "/"; keys with an empty, "." or ".." segment, a NUL byte or a segment
//     over 255 bytes are skipped, with one warning per key per FS
//     (warnOnce).
//   - listing.go: one directory's ListObjectsV2 pages (delimiter "/", 1000
//     keys a page, all pages streamed) merged into sorted entries without
//     duplicates: common prefixes and "name/" markers are directories, the
//     directory's own marker is skipped, and a directory hides a file of the
//     same name (logged once). Attributes come from the listing: no HEAD per
//     entry.
//   - probe.go: a lookup without a fresh listing: HEAD key and a one-key
//     listing of key+"/" run concurrently (the listing alone first for a
//     name known to be a directory); the directory wins.
//   - meta.go: the FS-level caches (one cache.Blocks for file data, one
//     cache.Meta for metadata), their construction, statistics and close.
//   - snapshot.go: dirCache, one directory's view of the FS's cache.Meta:
//     its listing (a compact cache.Listing, trusted for ListTTL) and the
//     negative lookups of its names (trusted for StatTTL). Listings run
//     detached from the FUSE request, shared by concurrent callers, and
//     are taken with Meta.Begin/PutDirSince, so a listing that a change
//     through the mount overtook is redone rather than cached.
//   - attr.go: attributes (mode and owner from Config, write bits cleared
//     when ReadOnly, mtime from x-amz-meta-mtime when a HEAD saw it, else
//     LastModified; directories 4096 bytes, nlink 1).
//   - errno.go: the one table from errors to errno (errors.Is on remote's
//     sentinels; default EIO; never ENOSYS) and its logging.
//   - reader.go: per-handle reader through the FS's block cache: blocks
//     keyed by bucket, key, pinned ETag and index, fetched with ranged GETs
//     carrying If-Match, so versions never mix. reader_failed.go: a block
//     whose fetch waited long for S3 and failed fails at once for a few
//     seconds (the kernel's immediate retry of a failed read).
//   - readahead.go: per-handle sequential detection and a window that
//     doubles with every block entered, up to ReadaheadMax; random reads
//     prefetch nothing. readahead_config.go: ReadCacheConfig (cache
//     budgets, disk tier, readahead). readahead_bdi.go: raises the
//     kernel's readahead of the mount (root only).
//   - pagecache.go: when an open may keep, or must bypass, the kernel's page
//     cache so that versions never mix.
//   - dir.go, dirhandle.go, file.go, readonly.go: the go-fuse nodes and
//     handles, a dozen lines per operation: resolve, call the core, map the
//     errno. mount.go: Mount and the FUSE options.
//   - write.go: the FS's write path (writeState: the writeback.Uploader
//     shared by every file, the node generation), its flush at Close with
//     progress logs, and the errno of write failures. writeconfig.go:
//     WriteConfig (part size, upload concurrency, buffer budget, staging
//     directory, commit timeout).
//   - write_node.go: a file node's write state (nodeWrites: one
//     writeback.Writer shared by its write handles), commit and release.
//     write_handle.go: writeHandle (open for writing: read, write, flush,
//     fsync, fallocate, release). write_owner.go: a flush commits only
//     when it comes from the process that opened the handle (or once that
//     process has exited). unlink_readers.go: a file open only for
//     reading that is removed keeps its content (up to 64 MiB) in a
//     writer, for the read handles pinning that version, until its last
//     read handle closes.
//     write_setattr.go: truncate, utimens, chmod/chown (accepted, not
//     stored) and copy_file_range (EOPNOTSUPP).
//   - mutate.go: create, mkdir (buckets at the root of s3://), mknod,
//     unlink, rmdir, link and symlink (EPERM). rename.go, rename_dir.go:
//     rename of files and of directories (copy then delete each key).
//     rename_loc.go: the key of a file node and the prefix of a directory
//     node, which a rename changes.
//   - visibility.go: the one seam through which a change through the mount
//     becomes visible to lookup, stat and readdir (cache.Meta Upsert,
//     Remove, Invalidate), and files being written that S3 does not have
//     yet are answered from the tree.
//   - observe.go, observe_raw.go: the Observer (metrics) and the wrapper of
//     go-fuse's raw file system that reports every answered FUSE operation
//     to it, with its errno and duration: the one place operations are
//     counted. Connector decisions are reported from connector_policy.go.
//   - New puts remote.Restrict in front of the storage when
//     Config.Connector is set: no request the connector refuses is sent.
//   - connector_policy.go: the hooks the node code calls before a change
//     (mayChange, mayRename: the precise errno at the call itself, mapped
//     from acl's denial kind), the write bits (restrictMode) and inode
//     numbers kept apart per connector.
//   - multiroot.go, multiroot_refuse.go: MountConnectors and
//     connectorsRoot, the read-only root of a multi-connector mount whose
//     children are the trees' root directories, one per label.
//
// # Nodes and state
//
// go-fuse owns the tree and the node IDs; nodes are created lazily by
// Lookup and READDIRPLUS (never added persistently) and carry inode numbers
// hashed from bucket and key, so d_ino equals st_ino and numbers survive
// remounts. Their StableAttr also carries a generation that unlink, rmdir
// and rename move on (write.go): go-fuse merges nodes with equal
// StableAttr, and a node renamed away or unlinked while open must stay
// apart from a new node for its old key. A rename moves the node (go-fuse
// MvChild) and gives it, and every node below a renamed directory, its new
// key or prefix.
//
//   - FS (per tree): the block cache and the metadata cache, shared by
//     every node and handle; each has its own lock (cache/doc.go). The
//     trees of a connectors mount may share one block cache
//     (Config.Blocks), never a metadata cache (connectors may point at
//     different endpoints with the same bucket names; a block is safe to
//     share because its key includes the ETag).
//   - dirNode (per node): bucket, and its location (dirLoc, replaced
//     atomically by a rename): prefix and dirCache (its view of the
//     metadata cache). With bucket "" it is the root of s3://, whose
//     entries are buckets.
//   - dirHandle (per open directory): the snapshot the stream started with
//     (stable offsets) and the position; READDIRPLUS lookups are answered
//     from it, so `ls -l` costs one listing and no HEAD.
//   - fileNode (per node): its key, the last known attributes (from a
//     listing, trusted for ListTTL by stat, a HEAD, or its own last
//     commit), the page-cache state, and the write state (nodeWrites: the
//     writer its write handles share; whether it exists only locally or
//     was unlinked while open).
//   - writeHandle (per open for writing): the opener (its thread and, read
//     at open, its process); reads and writes go through the node's
//     writer.
//   - connectorsRoot (a multi-connector mount's root): the trees, one
//     persistent child per label; each tree's nodes are its own, so a
//     node never serves two connectors.
//   - fileHandle (per open file): the version pinned at open (the node's
//     attributes when younger than StatTTL, else a HEAD) and its reader
//     with its readahead state; it follows a rename on the mount and
//     moves to a version the node committed through the mount since
//     (fileNode.pinState, checked when fileNode.moves changed), never to
//     one another client wrote.
//
// Work that should survive an interrupted request runs detached from it:
// listings on FS.bg, block fetches in the block cache's fills, both
// cancelled by Close; callers wait for it or for their request's context,
// whichever ends first, and an interrupt gives EINTR without logging an
// error.
//
// # Locks
//
//   - FS.mu guards FS.mounted.
//   - dirCache.mu guards inflight (the listing itself is in cache.Meta,
//     behind Meta's own lock).
//   - dirHandle.mu guards snap and pos (go-fuse also serialises the calls
//     on one directory handle).
//   - fileNode.mu guards key, info, changed, pages, wr (nodeWrites) and
//     readers.
//   - fileNode.io (RWMutex) orders data operations against the ones that
//     move or end the node's writer: read through the writer, write,
//     flush, fsync, truncate through a handle and acquiring the writer
//     share it; releasing the last write handle, unlink, rename and
//     truncate or utimens by path hold it alone. It is held while waiting
//     for the network (a commit, a copy).
//   - writeback.Writer and Uploader have their own locks (writeback/doc.go).
//   - fileHandle.rmu guards a read handle's pinned ETag, reader and the
//     fileNode.moves count it last saw; fileNode.mu may be taken under
//     it, never the reverse. fileNode.moves is bumped under fileNode.mu.
//   - readahead.mu guards the stream state of one handle. A reader has
//     no lock of its own: its blocks live in cache.Blocks, its last
//     unanswered fetch in an atomic pointer (failedFetch).
//   - warnOnce.mu guards seen and capped.
//   - connectorsRoot holds no mutable state and no
//     lock; MountConnectors takes each tree's FS.mu in turn, never two.
//
// Lock order: dirHandle.mu before dirCache.mu and before go-fuse's inode
// locks (Parent); fileNode.io before fileNode.mu and before the writer's
// locks (fileNode.mu is never held while calling the writer). A directory
// rename takes the io locks of the file nodes below it in inode-number
// order, the only place several are held. The cache package's locks are
// leaves below all of these. dirHandle.mu and fileNode.io are the only
// locks held while waiting for the network (a handle's first read waits
// for the listing; a commit or rename waits with the node's io lock).
// Every other lock is a leaf.
package fs
