package vfs

import (
	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/vfs/writeback"
)

// PendingUploads reports the files written through the tree whose changes
// S3 has not acknowledged yet, and their bytes (zero for a read-only
// tree). Shutdown reports it while waiting and flushing; metrics export
// it.
func (f *FS) PendingUploads() writeback.Pending {
	if f.writes.up == nil {
		return writeback.Pending{}
	}
	return f.writes.up.Pending()
}

// BlockCache returns the tree's block cache, which other trees may share
// (Config.Blocks): metrics count a shared cache once.
func (f *FS) BlockCache() *cache.Blocks { return f.blocks }
