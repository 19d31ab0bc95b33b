// Package fs is the objfs file tree: go-fuse (fs API) nodes over
// FUSE-agnostic core code, for one Source (s3://BUCKET, s3://BUCKET/PREFIX/
// or s3:// for all buckets). In this version the tree is read-only: every
// mutating call gives EROFS.
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
//   - snapshot.go: dirCache, one directory's listing snapshot (trusted for
//     ListTTL) and negative lookups (trusted for StatTTL). Listings run
//     detached from the FUSE request, shared by concurrent callers.
//   - attr.go: attributes (mode and owner from Config, write bits cleared
//     when ReadOnly, mtime from x-amz-meta-mtime when a HEAD saw it, else
//     LastModified; directories 4096 bytes, nlink 1).
//   - errno.go: the one table from errors to errno (errors.Is on remote's
//     sentinels; default EIO; never ENOSYS) and its logging.
//   - reader.go: per-handle reader: BlockSize-aligned ranged GETs with
//     If-Match on the ETag pinned at open, keeping the last two blocks and
//     fetching the next one ahead on sequential reads (at most 2 x
//     BlockSize per open file until the shared block cache replaces it).
//   - pagecache.go: when an open may keep, or must bypass, the kernel's page
//     cache so that versions never mix.
//   - dir.go, dirhandle.go, file.go, readonly.go: the go-fuse nodes and
//     handles, a dozen lines per operation: resolve, call the core, map the
//     errno. mount.go: Mount and the FUSE options.
//
// # Nodes and state
//
// go-fuse owns the tree and the node IDs; nodes are created lazily by
// Lookup and READDIRPLUS (never added persistently) and carry inode numbers
// hashed from bucket and key, so d_ino equals st_ino and numbers survive
// remounts.
//
//   - dirNode (per node): bucket, prefix, and a dirCache. With bucket ""
//     it is the root of s3://, whose entries are buckets.
//   - dirHandle (per open directory): the snapshot the stream started with
//     (stable offsets) and the position; READDIRPLUS lookups are answered
//     from it, so `ls -l` costs one listing and no HEAD.
//   - fileNode (per node): the last known attributes (from a listing,
//     trusted for ListTTL by stat, or a HEAD) and the page-cache state.
//   - fileHandle (per open file): the version pinned at open (the node's
//     attributes when younger than StatTTL, else a HEAD) and its reader.
//
// Work that should survive an interrupted request (listings, block
// fetches) runs on FS.bg, cancelled by Close; callers wait for it or for
// their request's context, whichever ends first, and an interrupt gives
// EINTR without logging an error.
//
// # Locks
//
//   - FS.mu guards FS.mounted.
//   - dirCache.mu guards snap, inflight and negative.
//   - dirHandle.mu guards snap and pos (go-fuse also serialises the calls
//     on one directory handle).
//   - fileNode.mu guards info and pages.
//   - reader.mu guards blocks; a block's data and err are written once,
//     before its done channel is closed, and read after.
//   - warnOnce.mu guards seen and capped.
//
// Lock order: dirHandle.mu before dirCache.mu and before go-fuse's inode
// locks (Parent). dirHandle.mu is the only lock held while waiting for the
// network (a handle's first read waits for the listing; only calls on that
// handle wait with it). Every other lock is a leaf.
package fs
