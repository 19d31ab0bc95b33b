package cache

import (
	"runtime"
	"unsafe"
)

const sizeofEntry = unsafe.Sizeof(Entry{})

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
