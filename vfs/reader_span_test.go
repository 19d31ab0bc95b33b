package vfs

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// With a disk tier, a read inside one block that is on disk (and not in
// memory) comes back as a range of the cache file, holding the object's
// bytes; a read across blocks is still a copy.
func TestReaderReadSpanServesDiskBlocksAsFileRanges(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(6*testBlock+100, 21)
	put(t, fake, "f", data, nil)
	dir := t.TempDir()
	fsys := newReaderFS(t, counting, func(c *Config) {
		c.ReadCache.MemBytes = 4 * testBlock // block 0 leaves memory as the rest is read
		c.ReadCache.ReadaheadMax, c.ReadCache.WholeMax = NoReadahead, NoWhole
		c.ReadCache.DiskDir, c.ReadCache.DiskBytes = dir, 64*testBlock
	})
	deadline := time.Now().Add(10 * time.Second)
	for fsys.blocks.Stats().DiskBlocks < 7 { // disk writes are asynchronous
		readSeq(t, openReader(t, fsys, "f"), testBlock)
		if time.Now().After(deadline) {
			t.Fatalf("blocks never reached the disk tier: %+v", fsys.blocks.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := openReader(t, fsys, "f")
	ctx := context.Background()
	spans := 0
	for _, tt := range []struct{ off, n int64 }{
		{10, 4096}, {testBlock + 5, 200}, {6 * testBlock, 4096}, {testBlock - 100, 200},
	} {
		res, err := r.ReadSpan(ctx, make([]byte, tt.n), tt.off)
		if err != nil {
			t.Fatal(err)
		}
		want := data[tt.off:min(tt.off+tt.n, int64(len(data)))]
		got := res.Data
		if res.File != nil {
			spans++
			got = make([]byte, res.Len)
			if _, err := res.File.ReadAt(got, res.Off); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("ReadSpan(%d, %d): wrong bytes (file %v)", tt.off, tt.n, res.File != nil)
		}
		if tt.off/testBlock != (tt.off+tt.n-1)/testBlock && res.File != nil {
			t.Fatalf("ReadSpan(%d, %d) across blocks gave a file range", tt.off, tt.n)
		}
		if res.Release != nil {
			res.Release()
		}
	}
	if spans == 0 {
		t.Fatal("no read was served as a file range")
	}
}
