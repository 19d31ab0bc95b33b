// Package writeback turns writes to a file into S3 objects, losing nothing.
//
// It is FUSE-agnostic: vfs calls it from its files and handles, and it talks to
// storage only through remote.Client.
//
// # Types
//
//   - Uploader (one per mount) owns what is shared by every file being
//     written: the remote client, the part-upload concurrency slots, the byte
//     budget for write buffers, the staging directory, and the set of dirty
//     writers that must be committed before the process exits (CommitAll).
//   - Writer is one dirty version of one object. It starts in one of two
//     modes and can move from streaming to staged, never back:
//     streaming: the file is new or truncated to zero and is written
//     sequentially. Bytes collect in a growing buffer; each full part
//     (Config.PartSize, growing so that 5 TiB fits in 10,000 parts) uploads
//     in the background as a multipart part while the writer goes on. A
//     file that never fills a part is sent with a single PutObject.
//     staged: the file existed (append, overwrite in place, truncate,
//     random writes) or a streaming writer saw a write it cannot stream.
//     Written bytes go to an unlinked local staging file; bytes not written
//     are read from the base object pinned to its ETag. Commit uploads the
//     whole object: one PutObject when small, otherwise a multipart upload
//     whose untouched part ranges are UploadPartCopy from the base object,
//     so appending 1 MiB to a 10 GiB object moves about one part of data.
//   - Part checksums (remote.PartChecksum): streaming uploads, and staged
//     ones that copy no part, carry CRC32C, a fraction of MD5's CPU; a
//     staged upload that copies parts carries Content-MD5, because a
//     CRC32C upload cannot take UploadPartCopy.
//   - A streaming writer that must become staged (a write behind the
//     uploaded parts, a read of uploaded bytes) first commits what it has
//     uploaded as the object, then continues staged over that object.
//   - A clean writer can follow its object to another key after a rename
//     (Move), and a writer whose file was removed while open turns
//     local-only (Preload, Detach): it never uploads again.
//   - bufPool keeps the streaming part buffers for reuse, so that a long
//     upload does not turn each part into garbage (the heap would grow to
//     twice the budget between collections).
//
// # Modification times
//
// Every upload carries the file's mtime in x-amz-meta-mtime (mtime.go):
// the time of the last write or truncate, or the time SetMtime (utimens)
// set after it. A streaming multipart upload sends its metadata when it
// starts; unless SetMtime asked for a time, the file's mtime becomes the
// one that upload carried. A time from SetMtime always ends up stored, if
// need be by a metadata-only copy after the upload.
//
// # Durability
//
// Commit (called by fs for flush/fsync/close and at shutdown) returns only
// once S3 acknowledged the complete object, or an error. A failed part or
// completion aborts the multipart upload, so no partial object appears and
// no parts are orphaned; the error is sticky (and logged once, with the key):
// later writes and commits on the writer fail until it is discarded. An
// abort that fails too (the server is down) is retried in the background
// with backoff, and once more by CommitAll (orphans.go), so that no
// incomplete upload is left once the server is back.
//
// # Concurrency and lock order
//
// Writer.mu guards all of a writer's state (mode, size, buffer, staging
// extents). Background part uploads never take Writer.mu: each one owns its
// buffer and reports through the writer's partSet (its own mutex). Uploader
// mu guards the set of live writers. Budget and slot acquisition never
// happen while holding Uploader.mu. Order: Writer.mu, then Uploader.mu or
// partSet.mu, or the budget; never the reverse. orphans.mu guards the
// aborts to retry and is a leaf (no request is sent while holding it), as
// is bufPool.mu (the free buffers).
package writeback
