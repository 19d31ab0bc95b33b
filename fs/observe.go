package fs

import (
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// Observer is told what a mounted tree serves, for metrics (package
// metrics implements it): the connector decisions of the core
// (vfs.Observer) and every FUSE operation. Set it as the tree's
// vfs.Config.Observer. Its methods are called on FUSE request
// goroutines: they must be safe for concurrent use, cheap, and must not
// call back into the tree. Paths and keys are never passed, so that an
// implementation cannot make them labels.
type Observer interface {
	vfs.Observer
	// Op is called once per FUSE operation after it was answered: its
	// name ("lookup", "read", ... as in the logs), the errno the kernel
	// got (0 for success) and how long the answer took.
	Op(op string, errno syscall.Errno, d time.Duration)
	// RequestSize is called once per READ and WRITE request, answered or
	// not, with "read" or "write" and the bytes the kernel asked to read
	// or sent to write: the request sizes negotiated at mount
	// (MountOptions.MaxRequestSize) show here.
	RequestSize(op string, bytes int)
}

// observerOf returns the Observer of operations in cfg, or nil.
func observerOf(cfg vfs.Config) Observer {
	o, _ := cfg.Observer.(Observer)
	return o
}

// mountTree mounts root at dir and starts serving it, like go-fuse's
// fs.Mount, with every FUSE operation reported to obs when obs is not nil
// (timed with clock). It is the one place where operations are counted:
// node methods map errors (errno.go), this wrapper sees what they
// answered.
func mountTree(dir string, root gofs.InodeEmbedder, o *gofs.Options, obs Observer, clock func() time.Time) (*fuse.Server, error) {
	raw := gofs.NewNodeFS(root, o)
	if obs != nil {
		raw = &observedFS{RawFileSystem: raw, obs: obs, now: clock}
	}
	server, err := fuse.NewServer(raw, dir, &o.MountOptions)
	if err != nil {
		return nil, err
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		// As go-fuse's fs.Mount: a failed mount ends the serve loop.
		return nil, err
	}
	return server, nil
}
