package cache

import "errors"

var (
	// ErrClosed is returned by Get after Close.
	ErrClosed = errors.New("block cache closed")
	// ErrNoETag is returned for a BlockKey without an ETag: a block is only
	// cacheable when it names the object version it belongs to.
	ErrNoETag = errors.New("block key has no ETag")
	// ErrBadBlock is returned when a fetch callback returns more than
	// BlockSize bytes, or for a negative block index.
	ErrBadBlock = errors.New("bad block")
	// ErrCacheDirBusy is returned by NewBlocks when another Blocks (in this
	// or another process) holds the disk directory.
	ErrCacheDirBusy = errors.New("cache directory is in use")
)
