package vfs

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/remote"
)

// FS is one objfs tree over one Source. Create it with New, serve it with
// Mount (once), and Close it after the server stopped.
type FS struct {
	cfg    Config
	client remote.Client
	log    *slog.Logger
	warn   *warnOnce
	// denials logs the connector's refusals, rate-limited (nil without
	// a connector).
	denials *denialLog
	root    *Dir
	// browse is the version browser's client (browse.go), nil when
	// Config.VersionsDir is empty.
	browse *browseClient
	// blocks caches file data for every open file (reader.go); meta
	// caches stat results and listings (snapshot.go). Both have their own
	// locks.
	blocks *cache.Blocks
	meta   *cache.Meta
	// started is the mount time, the mtime of directories that have none.
	started time.Time

	// bg is the parent context of work that outlives one FUSE request
	// (listings, block fetches); Close cancels it.
	bg     context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards mounted
	mounted bool
	// treeMu guards the core's tree: every Dir's children and every
	// node's parent and name (tree.go). It is a leaf: nothing else is
	// taken while holding it.
	treeMu sync.Mutex
	// serials numbers new nodes (link.serial).
	serials atomic.Uint64
	// away counts, per inode number, the nodes that hold it away from
	// the key it was hashed from (tree.go); guarded by treeMu.
	away map[uint64]int
	// writes is the write path (write.go); it has its own locks.
	writes writeState
	// prefetch is the data-loader prefetch (prefetch.go); it has its own
	// lock.
	prefetch *filePrefetch
	// misses holds the batches of missing names (missbatch.go); it has
	// its own lock, a leaf.
	misses *missBatches

	// noPassthrough is set by DisablePassthrough, passthroughOpens
	// counted by PassthroughOpened (passthrough.go).
	noPassthrough    atomic.Bool
	passthroughOpens atomic.Int64
	// topUps completes objects read whole on the disk tier (topup.go);
	// it has its own lock, a leaf.
	topUps topUps

	// closeOnce makes Close's cache shutdown (and its log) happen once.
	closeOnce sync.Once
	closeErr  error
}

// New returns the tree for cfg.Source over client. It applies cfg's
// defaults and validates it; it sends no request.
func New(client remote.Client, cfg Config) (*FS, error) {
	if client == nil {
		return nil, errors.New("fs: nil remote client")
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fs: %w", err)
	}
	blocks, meta, err := newCaches(cfg)
	if err != nil {
		return nil, fmt.Errorf("fs: %w", err)
	}
	var f *FS
	var denials *denialLog
	if cfg.Connector != nil {
		cfg.Logger = cfg.Logger.With("connector", cfg.Connector.Label) // every line names it, once
		denials = newDenialLog(cfg.Logger, cfg.Clock)
		client = remote.RestrictHooked(client, cfg.Connector, remote.RestrictHooks{
			Denied: func(call, bucket, key string, d acl.Decision) {
				f.noteRemoteDenial(call, bucket, key, d) // f is set before the first request
			},
			PinGone: func(bucket, key, version string) { f.notePinGone(bucket, key, version) },
		})
	}
	if !cfg.AsOf.IsZero() {
		client = newAsOfClient(client, cfg.AsOf) // over the connector's view
	}
	warn := newWarnOnce(cfg.Logger)
	var browse *browseClient
	if cfg.VersionsDir != "" {
		browse = newBrowseClient(client, cfg.VersionsDir, cfg.Source.Prefix, cfg.AsOf, warn)
		client = browse
	}
	bg, cancel := context.WithCancel(context.Background())
	f = &FS{
		denials: denials,
		blocks:  blocks,
		meta:    meta,
		cfg:     cfg,
		client:  client,
		log:     cfg.Logger,
		warn:    warn,
		browse:  browse,
		started: cfg.Clock(),
		bg:      bg,
		cancel:  cancel,
	}
	f.prefetch = newFilePrefetch(f)
	f.misses = newMissBatches()
	if err := f.initWrites(); err != nil {
		cancel()
		if cfg.Blocks == nil {
			blocks.Close()
		}
		return nil, fmt.Errorf("fs: %w", err)
	}
	// The root's number is go-fuse's 1 in a mount of its own, and this
	// one as a directory of a connectors mount.
	f.root = f.newDir(cfg.Source.Bucket, cfg.Source.Prefix, f.started, f.ino("", ""))
	return f, nil
}

// Root returns the tree's root directory.
func (f *FS) Root() *Dir { return f.root }

// Config returns the tree's configuration, with defaults applied.
func (f *FS) Config() Config { return f.cfg }

// Logger returns the tree's logger.
func (f *FS) Logger() *slog.Logger { return f.log }

// MarkMounted records that the tree is mounted; a tree can be mounted
// once, so it fails if it already is.
func (f *FS) MarkMounted() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mounted {
		return errors.New("fs: this tree is already mounted")
	}
	f.mounted = true
	return nil
}

// UnmarkMounted undoes MarkMounted (a mount that failed).
func (f *FS) UnmarkMounted() {
	f.mu.Lock()
	f.mounted = false
	f.mu.Unlock()
}

// Close first commits every file with uncommitted changes, bounded by
// ctx (unmount and SIGTERM must not lose what was written), then stops
// background work (listings and block fetches in flight) and closes the
// caches. It returns what could not be uploaded. It is safe to call more
// than once.
func (f *FS) Close(ctx context.Context) error {
	werr := f.flushWrites(ctx)
	if f.denials != nil {
		f.denials.flush()
	}
	f.cancel()
	f.prefetch.stop()
	f.closeOnce.Do(func() { f.closeErr = f.closeCaches() })
	return errors.Join(werr, f.closeErr)
}

// inoFor returns the inode number of a file (key) or a directory (its
// prefix: ending with "/", or "" for a bucket's root). It is a hash, stable
// across lookups and remounts, so that readdir's d_ino equals stat's
// st_ino; 0 and 1 (the mount root) are never returned. go-fuse treats equal
// numbers as one node, so the hash is SHA-256 (64 bits of it: a collision
// among ten million keys has odds of about 3 in a million).
func inoFor(bucket, key string) uint64 {
	h := sha256.New()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	ino := binary.LittleEndian.Uint64(h.Sum(nil))
	if ino < 2 {
		ino += 2
	}
	return ino
}
