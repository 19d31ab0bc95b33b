// Package cache holds objfs's two caches: Blocks, the block cache for
// object data (a memory tier and an optional disk tier), and Meta, the
// metadata cache for stat results and directory listings. It knows nothing
// of FUSE, of the AWS SDK or of the remote package: callers pass a fetch
// function and plain values.
//
// # Block cache (Blocks)
//
// A block is BlockSize bytes of one object version, named by BlockKey
// {Bucket, Key, ETag, Index}; an object's last block may be shorter. The
// ETag is part of the identity (an empty one is refused), so a changed
// object never gets old bytes: its old blocks just age out.
//
// Get looks in the memory tier, then (through a fill) on disk, then calls
// the caller's fetch. Concurrent Gets of one key share one fill
// (singleflight, in the flights map). The fill runs on its own goroutine
// with a context detached from every caller, bounded by FetchTimeout and
// cancelled by Close: a caller whose context ends stops waiting at once,
// while the fill goes on for the other waiters and for the cache. Errors
// are not cached.
//
// Memory tier (memtier.go): hashicorp/golang-lru/v2 simplelru keyed by
// BlockKey, with a byte budget the tier enforces itself (the LRU counts
// entries): before a block is added, least recently used blocks are
// evicted until it fits, so its budget is never exceeded, even for a
// moment. That budget is MemBytes less a reserve (memReserve) for the
// buffers outside the tier: blocks being fetched by running prefetches
// and by the fills streamed reads left running (stream.go), and the free
// list below, so all block memory stays within MemBytes.
// Blocks are charged by cap(), what they really pin. Readers get a View
// (Acquire), which holds the block's read lock until Release, so its bytes
// stay valid even after eviction; Get is Acquire plus a copy. A block the
// tier drops is recycled once its readers are done (buffer.go): it is
// marked dead and a full-size buffer goes to a small free list that
// fetches take their buffers from (Buffer), so a steady stream of reads
// allocates, zeroes and collects nothing, and the process's memory stays
// near MemBytes. Measured on the development VM before this: a cold 2 GiB
// read spent 19% of the daemon's CPU zeroing new blocks, and its RSS peaked
// at the budget plus 127 MiB, mostly garbage. fetch must hand over a slice it
// never touches again.
//
// Disk tier (disktier.go, diskio.go, diskformat.go): each object version
// is two files under DiskDir/objects/xx/<sha256 of bucket, key, ETag>: a
// sparse data file holding every present block at its offset in the
// object (Index*BlockSize), so a fully cached object's data file is the
// object byte for byte, and an index file (.idx): a header (magic,
// version, identity, block size, its CRC32C) and one 16-byte entry per
// block (length, CRC32C of the data, CRC32C of the entry; all zero:
// absent), which is the presence bitmap and the checksums. A block is
// written data first, entry second, so a crash in between leaves it
// absent (the next start punches out such unindexed bytes, and removes
// an object left with no block); nothing is fsynced, and an entry that
// reached the disk before its data (power loss) fails the data CRC.
// Every block's CRC is checked the first time it is read in a run (at
// fill, blocks are checked as they are written), and a "verified" bit in
// the index remembers it; any
// mismatch (torn write, bit rot, an index whose identity or checksum is
// wrong, an entry past the end of the data file) is logged, counted in
// ChecksumFailures and dropped, so the block is refetched. A cache left by
// the old format (DiskDir/blocks, one file per block) is removed at start,
// with one log line.
//
// The index in memory (an LRU of blocks, and per object its present blocks
// with length, CRC and verified bit) is rebuilt at start from the index
// files, ordered by their mtime (the object's last access; a hit
// refreshes it at most once per minute, with the injected clock), so a
// new Blocks over the same directory serves the old blocks without
// fetching. DiskBytes bounds the present blocks and the index headers and
// entries that describe them, plus reservations for blocks being written.
// Eviction is per block, least recently used first: its entry is cleared,
// then its slot punched out of the data file (fallocate PUNCH_HOLE, so
// the space is really freed; an object with no block left is unlinked).
// A block that readers hold (a Span being spliced, a load) is punched when
// the last one is done, unless it was stored again meanwhile. An object
// open whole (OpenWhole, for FUSE passthrough) is never punched: evicting
// any of its blocks unlinks the object's files, and the open descriptors
// keep reading the old inode. A directory lock (flock on DiskDir/LOCK)
// makes a second Blocks over one directory fail with ErrCacheDirBusy, in
// this process or another: two caches evicting each other's files would
// break both budgets, and a per-process subdirectory would never be
// reused or cleaned.
//
// Zero-copy reads (diskspan.go): AcquireSpan answers a block that is on
// disk and verified in this run with a Span (file, offset, length)
// instead of bytes, for the FUSE adapter to splice into /dev/fuse; an
// unverified block goes through a fill, which reads and checks it, so a
// torn block is never spliced. Prefetch skips verified disk blocks
// (readahead would only copy them into memory) and verifies the others.
// OpenWhole (diskwhole.go) opens a fully cached, fully verified object
// version's data file for passthrough.
//
// Disk writes happen after the waiters are released (the fill stays in
// flights until its write is done, so a Get arriving meanwhile is served
// from it). At most DiskWriters writes run at once and at most
// DiskWriteQueue blocks wait for one; beyond that a block is skipped
// (DiskWritesSkipped) and marked unsaved in the memory tier; a writer
// that finds itself the last one queued writes the unsaved blocks then
// (drainUnsaved), the tier hands one back for a late write when it evicts
// it, and Close writes those still in memory (DiskWritesLate). Without
// the first, an object read whole at network speed kept some blocks off
// the disk for as long as they stayed in memory, and could not be served
// by passthrough. So a disk slower than
// the network costs no read latency, memory or prefetch slots, and only
// the coverage of blocks that were skipped twice. Measured on the
// 2-core development VM: a synchronous write would add 6 to 17 ms to every
// miss (1 MiB block; the disk sustains about 60 to 160 MB/s); with
// asynchronous writes a miss with an instant fetch costs about 9 us
// without a disk tier and 20 to 30 us with one writer, 45 to 60 us with
// four (goroutines blocked in write(2) crowd the two Ps), hence the
// default of one writer.
//
// Prefetch starts a fill without a waiter (bringing a disk block to
// memory, or fetching), at most MaxPrefetch at once; extra calls are
// dropped and counted rather than queued, so readahead never piles up.
//
// PrefetchRun (run.go) is the sequential reader's prefetch: it registers a
// fill for each block of a stretch that is nowhere (not in memory, in
// flight or on disk) and fetches the whole stretch with one request, a
// RunFetchFunc that hands the blocks over one by one as they arrive; each
// is served to its waiters and stored at once. Few large GETs cost far
// less than one per block (request overhead, and on MinIO its per-request
// metadata reads). A run holds one prefetch slot. A run that fails or
// times out part-way drops its other blocks (errRunAborted, removed from
// flights before their waiters wake), and a Get waiting on one starts a
// fill of that block alone: a reset in a long stream costs a retry, never
// a read error.
//
// ReadAt (stream.go) is a copying read of part of a block that returns
// as soon as those bytes have arrived: a fill started by Acquire or
// ReadAt carries a progress in its fetch's context, a fetch that reads
// its body with FillBody publishes how much of its buffer is filled, and
// the fill seals the progress before publishing the block (so a buffer is
// never read after it may be recycled). At most streamSlots fills are
// left running by callers that did not wait for them. MissingOnDisk
// (diskwhole.go) lists the blocks of an object the disk tier lacks, for
// the caller's top-up before passthrough, which stores each with
// SaveToDisk (from memory when it is there, else fetched).
//
// # Metadata cache (Meta)
//
// Stat results (positive, or negative: "no such key") and directory
// listings, keyed by bucket and S3 key ("dir/" for a directory, "" for the
// root), each with its TTL (StatTTL, NegativeTTL, ListTTL; zero disables
// that kind) on an injected clock, in LRUs bounded by count (MaxStats,
// MaxDirs) and, for listings, by bytes (MaxListBytes). GetStat also
// answers from a fresh parent listing: a listing is complete, so a name it
// lacks is a negative answer, and `ls -l` needs no HEAD per entry.
//
// A Listing is immutable and column-oriented (listing.go): all names in
// one string, all ETags in another, uint32 end offsets, int64 sizes and
// mtimes (unix nanoseconds), a bit set for directories. A 100,000-entry
// directory of "shard-0000123.tar" names with MD5 ETags measures 75 B per
// entry on the heap, of which 51 are the name and ETag bytes themselves
// (as a []Entry it would be 123 B); see TestListingBytesPerEntry.
//
// Writes through the mount keep the cache right without dropping it:
// Upsert puts the new entry in the key's stat and in the cached parent
// listing (copy-on-write: O(entries), about 4 to 10 ms for 100,000 entries
// on the development VM, always less than the PUT it follows) and adds
// implied directories to their cached parents; Remove takes an entry out
// and records a negative stat; Invalidate drops the key's stat and its
// parent's listing (enough: an entry is only ever answered from its own
// stat or its parent's listing). All three drop negative entries of the
// key's ancestor directories. A HEAD or LIST that was sent before a write
// and answered after it would hide the write until its TTL; Begin and the
// Put*Since methods refuse such results: Meta remembers, for the last 4096
// mutated directories, the sequence number of their last mutation, and is
// conservative about directories it has forgotten.
//
// # Lock order
//
// Every lock is a leaf: no code path holds two of them.
//
//	Blocks.mu      flights, closed (and fills.Add, so Close cannot miss a fill)
//	memTier.mu     the memory LRU and its byte count
//	diskTier.mu    the disk index LRU, its objects and byte count; block
//	               reads and writes happen outside it; opening, creating,
//	               unlinking and punching files (small, metadata-only I/O)
//	               under it, so a descriptor is always the current object's
//	Meta.mu        everything in a Meta
//	block.mu       one block's data (read-locked by Views, write-locked by
//	               recycle, which never waits while holding another lock)
//	progress.mu    a running fill's buffer and progress (read-locked by
//	               ReadAt while copying out, write-locked by the fetch
//	               publishing progress and by the fill sealing it)
//
// Counters are atomics (blockCounters) or live under Meta.mu. A fill's
// block and err are written before its done channel is closed and only
// read after.
package cache
