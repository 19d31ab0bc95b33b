package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
	"github.com/objfs/objfs/remote"
)

// Flag names, shared by the flag definitions and the Config mapping.
const (
	flagEndpoint   = "endpoint"
	flagRegion     = "region"
	flagProfile    = "profile"
	flagPathStyle  = "path-style"
	flagUID        = "uid"
	flagGID        = "gid"
	flagFileMode   = "file-mode"
	flagDirMode    = "dir-mode"
	flagAllowOther = "allow-other"
	flagReadOnly   = "read-only"
	flagStatTTL    = "stat-ttl"
	flagListTTL    = "list-ttl"
	flagDebug      = "debug"
	flagLogLevel   = "log-level"
	flagLogFormat  = "log-format"
)

// Flag categories, as shown by `objfs mount --help`.
const (
	catS3      = "S3 connection"
	catPerms   = "Permissions"
	catCaching = "Caching"
	catLogging = "Logging"
)

// mountFlags returns the flags of `objfs mount`. No flag takes a secret:
// credentials come from the environment, a profile or the SDK chain only,
// so they never appear in the process's arguments.
func mountFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: flagEndpoint, Category: catS3, Usage: "S3 endpoint `URL`, e.g. http://127.0.0.1:9000 (default: AWS S3, or AWS_ENDPOINT_URL)"},
		&cli.StringFlag{Name: flagRegion, Category: catS3, Usage: "region `NAME` (default: from the profile or AWS_REGION, else us-east-1)"},
		&cli.StringFlag{Name: flagProfile, Category: catS3, Usage: "named `PROFILE` from ~/.aws/config and ~/.aws/credentials"},
		&cli.BoolFlag{Name: flagPathStyle, Category: catS3, Usage: "use path-style addressing (endpoint/bucket/key), as MinIO and most non-AWS servers need"},
		connectorsFlag(),
	}
	flags = append(flags, s3OptionFlags()...)
	flags = append(flags, []cli.Flag{

		&cli.UintFlag{Name: flagUID, Category: catPerms, Value: uint(os.Getuid()), DefaultText: fmt.Sprintf("%d, the current user", os.Getuid()), Usage: "owner `UID` of files and directories that store none (x-amz-meta-uid); given explicitly, of every one"},
		&cli.UintFlag{Name: flagGID, Category: catPerms, Value: uint(os.Getgid()), DefaultText: fmt.Sprintf("%d, the current group", os.Getgid()), Usage: "group `GID` of files and directories that store none (x-amz-meta-gid); given explicitly, of every one"},
		&cli.StringFlag{Name: flagFileMode, Category: catPerms, Value: octal(vfs.DefaultFileMode), Usage: "permission bits of files that store none (x-amz-meta-mode), in `OCTAL`; given explicitly, of every file"},
		&cli.StringFlag{Name: flagDirMode, Category: catPerms, Value: octal(vfs.DefaultDirMode), Usage: "permission bits of directories that store none, in `OCTAL`; given explicitly, of every directory"},
		&cli.BoolFlag{Name: flagAllowOther, Category: catPerms, Usage: "let other users access the mount (needs user_allow_other in /etc/fuse.conf unless root)"},
		&cli.BoolFlag{Name: flagReadOnly, Category: catPerms, Usage: "mount read-only: every change gives EROFS"},
		asOfFlag(),
		versionsDirFlag(),

		&cli.DurationFlag{Name: flagStatTTL, Category: catCaching, Value: vfs.DefaultStatTTL, Usage: "how long (a `DURATION` such as 5s) file attributes and failed lookups are cached (0: no caching)"},
		&cli.DurationFlag{Name: flagListTTL, Category: catCaching, Value: vfs.DefaultListTTL, Usage: "how long (a `DURATION` such as 1m) directory listings are cached (0: no caching)"},

		&cli.BoolFlag{Name: flagDebug, Category: catLogging, Usage: "trace every FUSE operation (implies --log-level debug)"},
		&cli.StringFlag{Name: flagLogLevel, Category: catLogging, Value: "info", Usage: "log `LEVEL`: debug, info, warn or error"},
		&cli.StringFlag{Name: flagLogFormat, Category: catLogging, Value: "text", Usage: "log `FORMAT`: text or json"},
	}...)
	flags = append(flags, netFlags()...)
	flags = append(flags, cacheFlags()...)
	flags = append(flags, writeFlags()...)
	flags = append(flags, fuseFlags()...)
	return append(flags, opsFlags()...)
}

// s3Config maps the S3 connection flags onto remote.S3Config. Secrets are
// left empty on purpose: the SDK finds them in the environment or
// profile (or there are none: --no-sign-request); an SSE-C key is read
// from its file.
func s3Config(c *cli.Context) (remote.S3Config, error) {
	cfg := remote.S3Config{
		Endpoint:  strings.TrimSpace(c.String(flagEndpoint)),
		Region:    strings.TrimSpace(c.String(flagRegion)),
		Profile:   strings.TrimSpace(c.String(flagProfile)),
		PathStyle: c.Bool(flagPathStyle),
		Checksum:  checksumMode(c),
		Anonymous: c.Bool(flagNoSignRequest),

		RequestTimeout: c.Duration(flagRequestTimeout),
	}
	if cfg.Anonymous && cfg.Profile != "" {
		return cfg, fmt.Errorf("--%s and --%s exclude each other: anonymous requests use no credentials", flagNoSignRequest, flagProfile)
	}
	return cfg, applyS3Options(c, &cfg)
}

// fsConfig maps the permission and caching flags onto vfs.Config for src,
// fills the package defaults and validates the result.
func fsConfig(c *cli.Context, src vfs.Source) (vfs.Config, error) {
	fileMode, err := parseMode(flagFileMode, c.String(flagFileMode))
	if err != nil {
		return vfs.Config{}, err
	}
	dirMode, err := parseMode(flagDirMode, c.String(flagDirMode))
	if err != nil {
		return vfs.Config{}, err
	}
	uid, err := idFlag(c, flagUID)
	if err != nil {
		return vfs.Config{}, err
	}
	gid, err := idFlag(c, flagGID)
	if err != nil {
		return vfs.Config{}, err
	}
	statTTL, err := ttlFlag(c, flagStatTTL)
	if err != nil {
		return vfs.Config{}, err
	}
	listTTL, err := ttlFlag(c, flagListTTL)
	if err != nil {
		return vfs.Config{}, err
	}
	blockSize, readCache, err := readCacheFlags(c)
	if err != nil {
		return vfs.Config{}, err
	}
	write, err := writeConfig(c)
	if err != nil {
		return vfs.Config{}, err
	}
	asOf, err := asOfFlagTime(c)
	if err != nil {
		return vfs.Config{}, err
	}
	if !asOf.IsZero() {
		// A view of the past never changes: TTLs not given default to
		// vfs.AsOfTTL.
		if !c.IsSet(flagStatTTL) {
			statTTL = 0
		}
		if !c.IsSet(flagListTTL) {
			listTTL = 0
		}
	}
	cfg := vfs.Config{
		Source:   src,
		UID:      uid,
		GID:      gid,
		FileMode: fileMode,
		DirMode:  dirMode,
		// A flag given explicitly fixes its value for every node, over
		// what the metadata stores (a shared read-only dataset); left at
		// its default, it applies only where nothing is stored.
		Fixed: vfs.FixedAttrs{
			UID: c.IsSet(flagUID), GID: c.IsSet(flagGID),
			FileMode: c.IsSet(flagFileMode), DirMode: c.IsSet(flagDirMode),
		},
		ReadOnly:    c.Bool(flagReadOnly),
		Xattrs:      !c.Bool(flagNoXattrs),
		AsOf:        asOf,
		VersionsDir: c.String(flagVersionsDir),
		StatTTL:     statTTL,
		ListTTL:     listTTL,
		BlockSize:   blockSize,
		ReadCache:   readCache,
		Write:       write,
		Observer:    fsObserver(c.Context),
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return vfs.Config{}, fmt.Errorf("invalid mount options: %w", err)
	}
	return cfg, nil
}

// mountOptions maps the FUSE-level flags onto fs.MountOptions.
func mountOptions(c *cli.Context, src string) (fs.MountOptions, error) {
	size, background, err := fuseTuning(c)
	return fs.MountOptions{
		AllowOther:     c.Bool(flagAllowOther),
		Debug:          c.Bool(flagDebug),
		FSName:         src,
		ReadOnly:       c.Bool(flagReadOnly) || c.IsSet(flagAsOf),
		NoExec:         c.Bool(flagNoExec),
		FD:             c.Int(flagFuseFD),
		MaxRequestSize: size,
		MaxBackground:  background,
	}, err
}

// ttlFlag reads a cache TTL. On the command line 0 turns the cache off;
// vfs.Config spells that vfs.NoCache (its zero means "default").
func ttlFlag(c *cli.Context, name string) (time.Duration, error) {
	d := c.Duration(name)
	switch {
	case d < 0:
		return 0, fmt.Errorf("invalid --%s %v: must not be negative (0 turns the cache off)", name, d)
	case d == 0:
		return vfs.NoCache, nil
	}
	return d, nil
}

// parseMode parses permission bits given in octal ("0644", "644", "0o644").
// Only the nine rwx bits are accepted: objfs has no setuid or sticky
// files. 0 is refused because vfs.Config reads it as "default".
func parseMode(flag, s string) (os.FileMode, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0o"), "0O")
	v, err := strconv.ParseUint(t, 8, 32)
	if err != nil || t == "" || v > 0o777 {
		return 0, fmt.Errorf("invalid --%s %q: want octal permission bits such as 0644", flag, s)
	}
	if v == 0 {
		return 0, fmt.Errorf("invalid --%s %q: at least one permission bit is needed", flag, s)
	}
	return os.FileMode(v), nil
}

// octal formats permission bits the way --file-mode takes them.
func octal(m os.FileMode) string { return fmt.Sprintf("%04o", uint32(m.Perm())) }

// idFlag reads a uid/gid flag and checks that it fits in 32 bits.
func idFlag(c *cli.Context, name string) (uint32, error) {
	v := c.Uint(name)
	if uint64(v) > uint64(^uint32(0)) {
		return 0, fmt.Errorf("invalid --%s %d: too large", name, v)
	}
	return uint32(v), nil
}
