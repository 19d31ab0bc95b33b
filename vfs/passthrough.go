package vfs

import (
	"os"

	"github.com/objfs/objfs/cache"
)

// Passthrough: a read-only open of an object version whose every block
// is on the disk tier, each verified in this run, holds that version's
// cache file open (cache.Whole) and offers it to the adapter
// (ReadHandle.Whole), which may let the kernel read it directly (FUSE
// passthrough). The file is exactly the version the handle pins, so what
// the kernel reads is what the handle would have answered; the cache
// never changes the file while it is held (evicting it unlinks it), and
// a newer version is another file, opened by a later open once the
// attributes say so. Handles that may write, or that read through a
// writer, never get one.

// DisablePassthrough stops offering cache files to the adapter: for a
// kernel, platform or privilege level that cannot use them.
func (f *FS) DisablePassthrough() { f.noPassthrough.Store(true) }

// PassthroughOpened counts an open the adapter answered with the handle's
// cache file (logged with the cache statistics as passthrough_opens).
func (f *FS) PassthroughOpened() { f.passthroughOpens.Add(1) }

// ETag is the version the handle pins ("" for a lazy handle before its
// first read).
func (h *ReadHandle) ETag() string {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	return h.etag
}

// passthrough reports whether opens may offer cache files.
func (f *FS) passthrough() bool {
	return f.cfg.ReadCache.Passthrough && !f.noPassthrough.Load()
}

// wholeMax is the size up to which an object is fetched whole at its
// first read (ReadCacheConfig.WholeMax), 0 when never.
func (f *FS) wholeMax() int64 { return f.cfg.ReadCache.wholeBytes() }

// openWhole returns obj's cache file if passthrough is on and the object
// is fully cached and verified, else nil.
func (f *FS) openWhole(obj object) *cache.Whole {
	if !f.passthrough() || obj.etag == "" {
		return nil
	}
	return f.blocks.OpenWhole(obj.bucket, obj.key, obj.etag, obj.size)
}

// Whole returns the cache file holding exactly the version the handle
// pins, for the adapter to let the kernel read directly, or nil. It stays
// open until DropWhole or Release; the adapter must not write to it.
func (h *ReadHandle) Whole() *os.File {
	if h.whole == nil {
		return nil
	}
	return h.whole.File
}

// DropWhole closes the handle's cache file: the adapter does not use it.
func (h *ReadHandle) DropWhole() {
	if h.whole != nil {
		h.whole.Close()
	}
}
