package vfs

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/cache"
)

// Defaults for Config. The TTLs follow the peers: mountpoint-s3 trusts
// metadata for about a second, gcsfuse and goofys cache stat results for a
// minute and rclone keeps directory listings for five minutes. objfs trusts
// a stat (HEAD or lookup) result for DefaultStatTTL and a directory listing
// for DefaultListTTL: long enough that `ls -l` on a 100,000-key directory is
// answered from one listing, short enough that a file changed by someone
// else is seen by the next open within seconds.
const (
	DefaultFileMode  os.FileMode   = 0o644
	DefaultDirMode   os.FileMode   = 0o755
	DefaultStatTTL   time.Duration = 5 * time.Second
	DefaultListTTL   time.Duration = 60 * time.Second
	DefaultBlockSize int64         = cache.DefaultBlockSize

	// NoCache, as StatTTL or ListTTL, turns that cache off: every lookup,
	// stat or readdir asks the server. (Zero means "use the default", as
	// for every other field.)
	NoCache time.Duration = -1

	// DefaultVersionsDir is the version browser's name that cmd gives
	// Config.VersionsDir by default.
	DefaultVersionsDir = ".versions"
	// AsOfTTL is both TTLs' default in a view as of a time (Config.AsOf):
	// what it shows never changes, so only memory limits what is kept.
	AsOfTTL time.Duration = time.Hour

	minBlockSize = 4 << 10
	maxBlockSize = 64 << 20
)

// Config configures one FS. The zero value plus SetDefaults is valid for
// s3:// (all buckets).
type Config struct {
	// Source is what is mounted.
	Source Source
	// UID and GID own every file and directory that has no owner stored
	// in its metadata (x-amz-meta-uid, -gid), or every one when Fixed says
	// so (ownership.go).
	UID, GID uint32
	// FileMode and DirMode are the permission bits of files and
	// directories (DefaultFileMode, DefaultDirMode when zero) that have no
	// mode stored (x-amz-meta-mode), or of all when Fixed says so.
	FileMode, DirMode os.FileMode
	// Fixed makes UID, GID, FileMode or DirMode apply to every node,
	// whatever its metadata stores (a shared read-only dataset); chmod and
	// chown of what is fixed are then accepted and not stored. The CLI
	// sets each when its flag was given explicitly.
	Fixed FixedAttrs
	// ReadOnly refuses every change with EROFS (no request that could
	// change a bucket is ever sent) and clears the write bits of every
	// mode.
	ReadOnly bool
	// Xattrs shows each file's object as read-only user.s3.* extended
	// attributes (xattr.go); objfs mount sets it unless --no-xattrs. Off,
	// the adapter answers getxattr with ENOSYS so that the kernel stops
	// asking (it asks for security.capability before every write(2)).
	Xattrs bool
	// StatTTL is how long a file's attributes (from a listing or HEAD) are
	// trusted before an open revalidates them with HEAD, how long a
	// negative lookup is remembered, and the kernel's entry and attribute
	// timeout. Zero means DefaultStatTTL; NoCache (any negative value)
	// disables caching.
	StatTTL time.Duration
	// ListTTL is how long a directory listing is trusted: readdir, lookup
	// and stat of the directory's entries are answered from it meanwhile.
	// Zero means DefaultListTTL; NoCache disables it.
	ListTTL time.Duration
	// BlockSize is the unit of ranged GETs and of the block cache
	// (DefaultBlockSize when zero).
	BlockSize int64
	// ReadCache configures the block cache and readahead.
	ReadCache ReadCacheConfig
	// Blocks, when set, is a block cache shared with other trees of the
	// same process (one per connector; see NewBlockCache), so that the
	// memory budget and the disk directory are the whole mount's. Its
	// creator closes it after every FS using it. Nil: the FS builds its
	// own from BlockSize and ReadCache and closes it in Close.
	Blocks *cache.Blocks
	// Write sizes the write path: part size, upload concurrency, buffer
	// memory, staging directory (see WriteConfig).
	Write WriteConfig
	// Connector, when set, restricts the tree to what it allows (its
	// paths and access; see connector_policy.go): New wraps the client so
	// that nothing the connector refuses is ever sent, write bits are
	// cleared where it refuses changes, and inode numbers are kept apart
	// from other connectors' trees in the same mount. Nil: no restriction.
	Connector *acl.Connector
	// Observer, when set, is told about every decision of its connector
	// (observe.go) and, when it also implements fs.Observer, every FUSE
	// operation the mounted tree answers, for metrics. Nil: nothing is
	// observed.
	Observer Observer
	// AsOf, when set, makes the tree a read-only view of its versioned
	// buckets as they were at that time (asof.go): ReadOnly is implied,
	// and the TTLs default to AsOfTTL, since the past does not change.
	// It must not be after Clock().
	AsOf time.Time
	// VersionsDir names the version browser (browse.go): a directory at
	// the root of each bucket of the tree (of the prefix, for a prefix
	// mount) that readdir does not list, showing every version of every
	// key read-only. "" (the zero value) turns it off; cmd's default is
	// DefaultVersionsDir.
	VersionsDir string
	// Logger receives warnings and errors (slog.Default() when nil). With
	// a Connector, New adds its label ("connector") to every line.
	Logger *slog.Logger
	// Clock returns the current time (time.Now when nil).
	Clock func() time.Time
}

// SetDefaults fills every zero field with its default.
func (c *Config) SetDefaults() {
	if c.FileMode == 0 {
		c.FileMode = DefaultFileMode
	}
	if c.DirMode == 0 {
		c.DirMode = DefaultDirMode
	}
	ttl := DefaultStatTTL
	listTTL := DefaultListTTL
	if !c.AsOf.IsZero() {
		c.ReadOnly = true
		ttl, listTTL = AsOfTTL, AsOfTTL
	}
	if c.StatTTL == 0 {
		c.StatTTL = ttl
	}
	if c.ListTTL == 0 {
		c.ListTTL = listTTL
	}
	if c.BlockSize == 0 {
		c.BlockSize = DefaultBlockSize
	}
	c.ReadCache.setDefaults()
	c.Write.setDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Validate reports the first problem with c (after SetDefaults).
func (c Config) Validate() error {
	var errs []error
	if err := c.Source.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.FileMode&^os.ModePerm != 0 || c.DirMode&^os.ModePerm != 0 {
		errs = append(errs, fmt.Errorf("file mode %#o and dir mode %#o must be permission bits only", uint32(c.FileMode), uint32(c.DirMode)))
	}
	if c.BlockSize < minBlockSize || c.BlockSize > maxBlockSize || c.BlockSize%minBlockSize != 0 {
		errs = append(errs, fmt.Errorf("block size %d must be a multiple of 4 KiB between 4 KiB and 64 MiB", c.BlockSize))
	}
	if err := c.ReadCache.validate(c.BlockSize); err != nil {
		errs = append(errs, err)
	}
	if err := c.Write.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.VersionsDir != "" && (!validName(c.VersionsDir) || len(c.VersionsDir) > MaxNameLen) {
		errs = append(errs, fmt.Errorf("versions dir %q must be one file name", c.VersionsDir))
	}
	if c.Connector != nil {
		if err := c.Connector.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Logger == nil || c.Clock == nil {
		errs = append(errs, errors.New("logger and clock must be set (call SetDefaults)"))
	} else if !c.AsOf.IsZero() && c.AsOf.After(c.Clock()) {
		errs = append(errs, fmt.Errorf("as-of time %s is in the future", c.AsOf.UTC().Format(time.RFC3339)))
	}
	return errors.Join(errs...)
}

// statTTL is the effective stat TTL (0 when caching is off).
func (c Config) statTTL() time.Duration { return max(c.StatTTL, 0) }

// AttrTimeout is how long the kernel may trust an answer of the tree
// (attributes, names, and missing names): StatTTL, never negative.
func (c Config) AttrTimeout() time.Duration { return c.statTTL() }

// listTTL is the effective listing TTL (0 when caching is off).
func (c Config) listTTL() time.Duration { return max(c.ListTTL, 0) }
