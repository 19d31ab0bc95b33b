package vfs

// pageCache decides, per file node, how an open uses the kernel's page
// cache, which is per inode while our versions are per handle. The kernel
// fills the cache with what reads through cached handles return, and each
// handle returns one pinned version, so:
//
//   - an open may keep the cached pages (FOPEN_KEEP_CACHE) only when they
//     can hold nothing but the version it pins;
//   - an open without KEEP_CACHE makes the kernel drop the cached pages;
//   - an open of one version while a handle of another is open bypasses the
//     cache (FOPEN_DIRECT_IO): dropping the pages would not stop the older
//     handle from refilling them, and reading them would mix versions.
//
// The zero value is ready to use; the owner serialises calls (File.mu).
type pageCache struct {
	etag string         // the only version the cache may hold; "" = none known
	open map[string]int // ETag -> open handles pinning it through the cache
}

// opened records an open of version etag. keep: the kernel may keep its
// cached pages. direct: the handle must bypass the cache (and is then not
// counted, since it never fills the cache).
func (p *pageCache) opened(etag string) (keep, direct bool) {
	for other := range p.open {
		if other != etag {
			return false, true
		}
	}
	keep = etag != "" && p.etag == etag
	p.pin(etag)
	return keep, false
}

// pin records one more cached handle pinning etag, the version the cache
// now holds.
func (p *pageCache) pin(etag string) {
	p.etag = etag
	if p.open == nil {
		p.open = make(map[string]int)
	}
	p.open[etag]++
}

// released records that a cached (not direct) handle pinning etag closed.
func (p *pageCache) released(etag string) {
	if p.open[etag] <= 1 {
		delete(p.open, etag)
		return
	}
	p.open[etag]--
}

// moved records that a cached handle pinning from now pins to, a version
// written through the mount: the kernel wrote those bytes through its
// cache (FUSE write-through), so to is the version the cache holds.
func (p *pageCache) moved(from, to string) {
	p.released(from)
	p.pin(to)
}
