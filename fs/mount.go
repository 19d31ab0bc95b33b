package fs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// MountOptions are the FUSE-level options of one mount.
type MountOptions struct {
	// AllowOther lets other users use the mount (needs user_allow_other in
	// /etc/fuse.conf unless root).
	AllowOther bool
	// Debug logs every FUSE operation (at debug level).
	Debug bool
	// FSName is the source shown in the mount table, e.g.
	// "objfs:s3://bucket".
	FSName string
	// ReadOnly mounts with "ro", so the kernel refuses writes itself.
	ReadOnly bool
	// NoExec mounts with "noexec": programs on the mount cannot be
	// executed (mount -o noexec, implied by fstab's "user"). The mount is
	// always nosuid and nodev.
	NoExec bool
	// FD, when above 0, is an open /dev/fuse descriptor that another
	// process has already mounted at the mountpoint (MountFD, objfs
	// csi's hand-off): Mount serves it as go-fuse's /dev/fd/N and the
	// mountpoint is only the mount's name (it need not be visible here).
	FD int
	// MaxRequestSize is the largest FUSE read or write request the mount
	// asks the kernel for (DefaultMaxRequestSize when zero). Above 1 MiB
	// the kernel's fs.fuse.max_pages_limit must allow it: Mount raises it
	// when root can (request_size.go) and otherwise uses what it allows.
	MaxRequestSize int
	// MaxBackground is how many asynchronous requests (kernel readahead)
	// the kernel may have in flight (DefaultMaxBackground when zero).
	MaxBackground int
}

// Mount mounts tree on mountpoint and returns the go-fuse server,
// already serving. The caller waits with server.Wait() and unmounts with
// server.Unmount(), then closes the tree. A tree can be mounted once.
//
// The mount uses default_permissions: the kernel checks the uid, gid and
// mode bits the tree reports against the caller, as users of --uid, --gid
// and --file-mode expect (and as mountpoint-s3 does); without it every
// user admitted by allow_other could read everything.
func Mount(tree *vfs.FS, mountpoint string, opts MountOptions) (*fuse.Server, error) {
	dir, err := serveDir(mountpoint, opts)
	if err != nil {
		return nil, err
	}
	if err := tree.MarkMounted(); err != nil {
		return nil, err
	}
	cfg := tree.Config()
	opts = opts.withDefaults()
	opts.MaxRequestSize = allowRequestSize(tree.Logger(), opts.MaxRequestSize)
	server, err := mountTree(dir, Root(tree), options(tree, opts), observerOf(cfg), cfg.Clock)
	if err != nil {
		tree.UnmarkMounted()
		return nil, fmt.Errorf("mount %s: %w", mountpoint, err)
	}
	if opts.FD <= 0 { // else the process that mounted raised it (MountFD)
		raiseKernelReadahead(tree.Logger(), mountpoint, readaheadKB(opts.MaxRequestSize))
	} else {
		disablePoll(mountpoint)
	}
	checkPassthrough(tree, server)
	return server, nil
}

// serveDir is what go-fuse is given: the mountpoint, checked, or the
// magic /dev/fd/N of a descriptor mounted elsewhere.
func serveDir(mountpoint string, opts MountOptions) (string, error) {
	if opts.FD <= 0 {
		return mountpoint, checkMountpoint(mountpoint)
	}
	if err := checkFuseFD(opts.FD); err != nil {
		return "", err
	}
	return "/dev/fd/" + strconv.Itoa(opts.FD), nil
}

// Root returns go-fuse's root node for tree (Mount uses it; tests drive it
// through go-fuse's bridge without a kernel).
func Root(tree *vfs.FS) gofs.InodeEmbedder { return &dirNode{d: tree.Root()} }

// options maps opts (defaults applied) and the TTLs onto go-fuse's
// options.
func options(tree *vfs.FS, opts MountOptions) *gofs.Options {
	cfg := tree.Config()
	opts = opts.withDefaults()
	statTTL := cfg.AttrTimeout()
	mo := kernelOptions(opts, cfg.ReadOnly)
	// go-fuse's own lines (every operation with Debug; otherwise its
	// warnings, such as "trySplice: ...") go through the tree's slog
	// handler, into --log-file or the daemon's log, never raw to stderr.
	level := slog.LevelWarn
	if opts.Debug {
		level = slog.LevelDebug
	}
	mo.Logger = slog.NewLogLogger(tree.Logger().Handler(), level)
	return &gofs.Options{
		MountOptions:    mo,
		EntryTimeout:    &statTTL,
		AttrTimeout:     &statTTL,
		NegativeTimeout: &statTTL,
		UID:             cfg.UID,
		GID:             cfg.GID,
	}
}

// kernelOptions are the options of the mount itself: what mount(2) is
// given (by go-fuse, or by MountFD) and what INIT negotiates.
func kernelOptions(opts MountOptions, readOnly bool) fuse.MountOptions {
	opts = opts.withDefaults()
	mo := fuse.MountOptions{
		FsName:        opts.FSName,
		Name:          "objfs",
		AllowOther:    opts.AllowOther,
		Debug:         opts.Debug,
		MaxBackground: opts.MaxBackground,
		MaxReadAhead:  opts.MaxRequestSize,
		MaxWrite:      opts.MaxRequestSize,
		// mount(2) directly when privileged, else fusermount3; never
		// for a descriptor mounted elsewhere (go-fuse would mount
		// over /dev/fd/N).
		DirectMount: opts.FD <= 0,
		Options:     []string{"default_permissions"},
	}
	if opts.ReadOnly || readOnly {
		mo.Options = append(mo.Options, "ro")
	}
	if opts.NoExec {
		mo.Options = append(mo.Options, "noexec")
	}
	return mo
}

// checkMountpoint gives a clear error when mountpoint is not a directory.
func checkMountpoint(mountpoint string) error {
	st, err := os.Stat(mountpoint)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("mountpoint %s: no such directory", mountpoint)
	case err != nil:
		return fmt.Errorf("mountpoint %s: %w", mountpoint, err)
	case !st.IsDir():
		return fmt.Errorf("mountpoint %s: not a directory", mountpoint)
	}
	return nil
}
