package fs

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/objfs/objfs/vfs"
)

// FUSE passthrough (kernel 6.9+, CAP_SYS_ADMIN): a read-only open of a
// fully disk-cached object (vfs.ReadHandle.Whole) is answered with the
// cache file as its backing file, and the kernel reads it without the
// daemon. go-fuse registers the file (FilePassthroughFder) and shares one
// backing ID per inode between its passthrough opens.
//
// The kernel (6.18 measured) lets an inode be open either in passthrough,
// every open on one backing file, or not at all in passthrough: while a
// passthrough open exists, any other open of the inode, FOPEN_DIRECT_IO
// or not, fails with EIO, and a passthrough open beside cached opens too.
// And go-fuse 2.12 drops a reference to the inode's backing ID at every
// release on the inode, passthrough or not. So ioModes keeps an inode's
// opens all passthrough or all not: a read of the same version joins the
// passthrough opens (the backing file holds exactly its bytes, even once
// evicted: the open file keeps the unlinked inode); an open that cannot
// (a write, a read of a newer version) waits for them to close, up to
// passthroughWait, and fails with EBUSY after; and a fully cached object
// is opened normally while other opens exist.

// passthroughWait bounds how long an open that cannot share an inode's
// passthrough backing file waits for the passthrough opens to close.
const passthroughWait = 5 * time.Second

// ioModes records how a file node's open handles use the kernel.
type ioModes struct {
	mu    sync.Mutex
	pt    int           // open passthrough handles
	etag  string        // the version they pin (their backing file's)
	other int           // open handles that are not passthrough
	idle  chan struct{} // closed when pt drops to 0; nil while pt is 0
}

// openPassthrough reports whether an open of version etag may be a
// passthrough one, and records it if so: not beside other handles, nor
// beside passthrough handles of another version. join: only as another
// open of the backing file in use (the caller has none of its own).
func (m *ioModes) openPassthrough(etag string, join bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.other > 0, m.pt > 0 && m.etag != etag, join && m.pt == 0:
		return false
	}
	if m.pt == 0 {
		m.idle = make(chan struct{})
	}
	m.pt++
	m.etag = etag
	return true
}

// openOther records an open that is not passthrough once no passthrough
// open is left, waiting up to passthroughWait (or until ctx ends); false
// if they are still open.
func (m *ioModes) openOther(ctx context.Context, wait time.Duration) bool {
	var timeout <-chan time.Time
	for {
		m.mu.Lock()
		if m.pt == 0 {
			m.other++
			m.mu.Unlock()
			return true
		}
		idle := m.idle
		m.mu.Unlock()
		if timeout == nil {
			if wait <= 0 {
				return false
			}
			timer := time.NewTimer(wait)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-idle:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (m *ioModes) releasePassthrough() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pt--; m.pt == 0 {
		close(m.idle)
		m.idle = nil
	}
}

func (m *ioModes) releaseOther() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.other--
}

// passthroughHandle is a read-only open the kernel reads from its backing
// file, the cache file of the version it pins. Its Read still answers,
// from the cache, if go-fuse could not register the file.
type passthroughHandle struct {
	readHandle
	fd int // its own cache file, or -1 when it joins the inode's backing file
}

// PassthroughFd gives go-fuse the backing file when the inode has none
// registered; it stays open until Release (vfs.ReadHandle.Whole).
func (h *passthroughHandle) PassthroughFd() (int, bool) { return h.fd, h.fd >= 0 }

// Release closes the handle and its cache file.
func (h *passthroughHandle) Release(ctx context.Context) syscall.Errno {
	h.h.Release(ctx)
	h.n.modes.releasePassthrough()
	return 0
}

// tryPassthrough answers a read-only open with h's cache file as backing
// file when h has one and the node's other opens allow it, or as another
// open of the inode's backing file when that holds h's version.
func (n *fileNode) tryPassthrough(h *vfs.ReadHandle) (*passthroughHandle, bool) {
	fd := -1
	if f := h.Whole(); f != nil {
		fd = int(f.Fd())
	}
	if !n.modes.openPassthrough(h.ETag(), fd < 0) {
		h.DropWhole()
		return nil, false
	}
	if fd >= 0 {
		n.f.FS().PassthroughOpened()
	}
	return &passthroughHandle{readHandle: readHandle{n: n, h: h}, fd: fd}, true
}

// checkPassthrough turns passthrough off for tree when the kernel did not
// agree to it at INIT or the daemon lacks the privilege to register
// backing files, saying so once.
func checkPassthrough(tree *vfs.FS, server *fuse.Server) {
	cfg := tree.Config()
	if !cfg.ReadCache.Passthrough || cfg.ReadCache.DiskDir == "" {
		return
	}
	why := ""
	switch {
	case server.KernelSettings().Flags64()&fuse.CAP_PASSTHROUGH == 0:
		why = "the kernel does not offer it (Linux 6.9 or later, CONFIG_FUSE_PASSTHROUGH)"
	case os.Geteuid() != 0:
		why = "registering backing files needs root (CAP_SYS_ADMIN)"
	}
	if why != "" {
		tree.DisablePassthrough()
		tree.Logger().Info("passthrough unavailable: fully cached files are served by the daemon", "reason", why)
		return
	}
	tree.Logger().Debug("passthrough available: fully cached files are read by the kernel")
}

// errPassthroughBusy fails an open that could not share the inode's
// passthrough backing file within passthroughWait.
var errPassthroughBusy = fmt.Errorf("the file is open by passthrough (read by the kernel from the cache) in a version this open cannot share: %w", syscall.EBUSY)
