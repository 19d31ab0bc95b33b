package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"
)

// Flag names of the data cache.
const (
	flagCacheSize     = "cache-size"
	flagCacheDir      = "cache-dir"
	flagCacheDiskSize = "cache-disk-size"
	flagBlockSize     = "block-size"
	flagReadaheadMax  = "readahead-max"
	flagDirectIO      = "direct-io"
	flagPassthrough   = "passthrough"
	flagCacheWholeMax = "cache-whole-max"
	flagPrefetchFiles = "prefetch-files"
)

// cacheFlags returns the flags of the block cache and readahead. The disk
// tier is opt-in, as in mountpoint-s3 and gcsfuse: it is on when
// --cache-dir is given or --cache-disk-size is above zero. (--cache-dir
// has a default because other local state may live there too; its objects
// subdirectory is used only when the disk tier is on.)
func cacheFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagCacheSize, Category: catCaching, Value: formatSize(vfs.DefaultCacheMemBytes),
			Usage: "memory for cached file data and readahead, as a `SIZE` such as 512M or 2G"},
		&cli.StringFlag{Name: flagCacheDir, Category: catCaching, Value: defaultCacheDir(),
			Usage: "local cache `DIR`; file data is cached on disk in DIR/objects only when this flag or --cache-disk-size is given"},
		&cli.StringFlag{Name: flagCacheDiskSize, Category: catCaching, DefaultText: formatSize(vfs.DefaultCacheDiskBytes) + " with --cache-dir, else no disk cache",
			Usage: "disk space for cached file data, as a `SIZE`; 0 turns the disk cache off"},
		&cli.StringFlag{Name: flagBlockSize, Category: catCaching, Value: formatSize(vfs.DefaultBlockSize),
			Usage: "unit of ranged GETs and of the cache, as a `SIZE` (a multiple of 4K, up to 64M)"},
		&cli.StringFlag{Name: flagReadaheadMax, Category: catCaching, Value: formatSize(vfs.DefaultReadaheadMax),
			Usage: "largest readahead window of one open file, as a `SIZE` (at most a quarter of --cache-size); 0 turns readahead off"},
		&cli.IntFlag{Name: flagPrefetchFiles, Category: catCaching, Value: vfs.DefaultPrefetchFiles,
			Usage: "when a program opens a directory's files in listing order (tar c, cp -r, a data loader), fetch the first block of the next `N` files ahead of it; 0 turns it off"},
		&cli.BoolFlag{Name: flagDirectIO, Category: catCaching,
			Usage: "reads bypass the kernel page cache: less CPU and memory for large reads (data loaders, cp), much slower reads of a few KiB, no shared mmap"},
		&cli.BoolFlag{Name: flagPassthrough, Category: catCaching,
			Usage: "with a disk cache, let the kernel read fully cached files directly (FUSE passthrough, Linux 6.9+ as root): local-disk speed, but while a file is open that way, opening it for writing or reading a newer version waits for those opens to close (up to 5s, then EBUSY)"},
		&cli.StringFlag{Name: flagCacheWholeMax, Category: catCaching, Value: formatSize(vfs.DefaultWholeMax),
			Usage: "with a disk cache, the first random read of an object up to this `SIZE` (and up to a quarter of --cache-disk-size and of --cache-size) fetches all of it, so it is soon read locally; 0 turns this off"},
	}
}

// defaultCacheDir is $XDG_CACHE_HOME/objfs, else ~/.cache/objfs.
func defaultCacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "objfs")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "objfs")
	}
	return filepath.Join(os.TempDir(), "objfs-cache")
}

// readCacheFlags maps the cache flags onto the block size and
// vfs.ReadCacheConfig.
func readCacheFlags(c *cli.Context) (int64, vfs.ReadCacheConfig, error) {
	var rc vfs.ReadCacheConfig
	var blockSize int64
	for _, s := range []struct {
		name string
		dst  *int64
	}{{flagCacheSize, &rc.MemBytes}, {flagReadaheadMax, &rc.ReadaheadMax}, {flagBlockSize, &blockSize}, {flagCacheWholeMax, &rc.WholeMax}} {
		v, err := sizeFlag(c, s.name)
		if err != nil {
			return 0, rc, err
		}
		*s.dst = v
	}
	if rc.MemBytes == 0 || blockSize == 0 {
		return 0, rc, fmt.Errorf("--%s and --%s must not be 0", flagCacheSize, flagBlockSize)
	}
	if rc.ReadaheadMax == 0 {
		rc.ReadaheadMax = vfs.NoReadahead
	}
	if rc.WholeMax == 0 {
		rc.WholeMax = vfs.NoWhole
	}
	rc.Passthrough = c.Bool(flagPassthrough)
	disk, err := diskTier(c)
	if err != nil {
		return 0, rc, err
	}
	rc.DiskDir, rc.DiskBytes = disk.dir, disk.bytes
	rc.DirectIO = c.Bool(flagDirectIO)
	switch n := c.Int(flagPrefetchFiles); {
	case n < 0:
		return 0, rc, fmt.Errorf("invalid --%s %d: must be 0 or more", flagPrefetchFiles, n)
	case n == 0:
		rc.PrefetchFiles = vfs.NoPrefetch
	default:
		rc.PrefetchFiles = n
	}
	return blockSize, rc, nil
}

type diskSettings struct {
	dir   string // "" when the disk tier is off
	bytes int64
}

// diskTier decides whether the disk tier is on and where (see cacheFlags).
func diskTier(c *cli.Context) (diskSettings, error) {
	bytes := vfs.DefaultCacheDiskBytes
	if c.IsSet(flagCacheDiskSize) {
		v, err := sizeFlag(c, flagCacheDiskSize)
		if err != nil {
			return diskSettings{}, err
		}
		if v == 0 {
			return diskSettings{}, nil
		}
		bytes = v
	} else if !c.IsSet(flagCacheDir) {
		return diskSettings{}, nil
	}
	dir, err := filepath.Abs(strings.TrimSpace(c.String(flagCacheDir)))
	if err != nil || strings.TrimSpace(c.String(flagCacheDir)) == "" {
		return diskSettings{}, fmt.Errorf("invalid --%s %q", flagCacheDir, c.String(flagCacheDir))
	}
	return diskSettings{dir: dir, bytes: bytes}, nil
}

// sizeFlag parses flag name as a size.
func sizeFlag(c *cli.Context, name string) (int64, error) {
	v, err := parseSize(c.String(name))
	if err != nil {
		return 0, fmt.Errorf("invalid --%s %q: %w", name, c.String(name), err)
	}
	return v, nil
}

// parseSize parses a byte count: a number, optionally with a fraction,
// followed by an optional unit K, M, G or T (powers of 1024, as in rclone
// and mountpoint-s3), which may be spelled KiB, KB, k and so on. "0" is
// zero.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := 1.0
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = math.Pow(1024, float64(i+1))
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || strings.ContainsAny(t, "eExXpP_") {
		return 0, fmt.Errorf("want a size such as 512M, 2G or 1048576")
	}
	bytes := v * mult
	if bytes >= math.MaxInt64 {
		return 0, fmt.Errorf("size too large")
	}
	return int64(bytes), nil
}

// formatSize writes n the way parseSize reads it, in the largest unit
// that divides it.
func formatSize(n int64) string {
	for i, unit := range []string{"T", "G", "M", "K"} {
		d := int64(1) << (10 * (4 - i))
		if n >= d && n%d == 0 {
			return strconv.FormatInt(n/d, 10) + unit
		}
	}
	return strconv.FormatInt(n, 10)
}
