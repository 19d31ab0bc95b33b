package vfs

import "os"

// ReadResult is what ReadHandle.ReadSpan returns: the bytes read (Data),
// or, when File is set, Len bytes at Off in File, a block of the disk
// cache that the adapter hands to the kernel without copying it (splice).
// Data may be a cached block itself, and File's range stays valid (even
// if the block is evicted) until Release, which the caller calls once the
// reply is written; Release is never nil.
type ReadResult struct {
	Data    []byte
	File    *os.File
	Off     int64
	Len     int
	Release func()
}
