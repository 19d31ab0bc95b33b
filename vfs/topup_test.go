package vfs

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// waitDiskBlocks waits until the disk tier holds n blocks, or fails.
func waitDiskBlocks(t *testing.T, c core, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.fsys.blocks.Stats().DiskBlocks < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d blocks on disk, want %d", c.fsys.blocks.Stats().DiskBlocks, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A handle that read an object to its end but left a block off the disk
// tier (here: a block it skipped; in a mount: a disk write a fast read
// outran) has that block fetched again at release, so the next open is
// offered the whole cache file. Without passthrough, or after reading
// only the object's tail, nothing more is fetched.
func TestTopUpCompletesObjectReadToItsEnd(t *testing.T) {
	const blocks = 8
	data := pattern(blocks*testBlock-5, 9)
	readAllBut := func(h *ReadHandle, skip int64) {
		for i := range int64(blocks) {
			if i != skip {
				readAt(t, h, i*testBlock, int(min(testBlock, int64(len(data))-i*testBlock)))
			}
		}
	}
	for _, passthrough := range []bool{true, false} {
		c := newDiskFS(t, time.Hour, func(cfg *Config) {
			cfg.ReadCache.WholeMax = NoWhole
			cfg.ReadCache.Passthrough = passthrough
		})
		put(t, c.fake, "f", data, nil)
		f := lookupFile(t, c.fsys.Root(), "f")
		h := openRead(t, f)
		readAllBut(h, 3)
		waitDiskBlocks(t, c, blocks-1)
		gets := c.count.Count(remote.OpGet)
		h.Release(context.Background())
		if !passthrough {
			time.Sleep(50 * time.Millisecond)
			if n := c.count.Count(remote.OpGet) - gets; n != 0 {
				t.Fatalf("without passthrough, release sent %d GETs, want 0", n)
			}
			continue
		}
		waitDiskBlocks(t, c, blocks)
		if n := c.count.Count(remote.OpGet) - gets; n != 1 {
			t.Fatalf("the top-up sent %d GETs, want 1 (the missing block)", n)
		}
		h = openRead(t, f)
		if got := wholeBytes(t, h); !bytes.Equal(got, data) {
			t.Fatal("whole file differs from the object")
		}
		h.Release(context.Background())
	}

	// Only the tail read: most blocks missing, no top-up.
	c := newDiskFS(t, time.Hour, func(cfg *Config) { cfg.ReadCache.WholeMax = NoWhole })
	put(t, c.fake, "g", data, nil)
	h := openRead(t, lookupFile(t, c.fsys.Root(), "g"))
	readAt(t, h, (blocks-1)*testBlock, testBlock-5)
	waitDiskBlocks(t, c, 1)
	gets := c.count.Count(remote.OpGet)
	h.Release(context.Background())
	time.Sleep(50 * time.Millisecond)
	if n := c.count.Count(remote.OpGet) - gets; n != 0 {
		t.Fatalf("after reading only the tail, release sent %d GETs, want 0", n)
	}
}

// A missing block that is still in memory reaches the disk at the top-up
// too. Here object a lost its first block on disk to b (the disk tier
// holds a little less than both) while every block stayed in memory, so
// the re-read of a was served from memory: its top-up must write that
// block from there (no GET), or a is never whole on disk while it stays
// in memory, and no open of it is a passthrough one.
func TestTopUpWritesBlocksHeldInMemory(t *testing.T) {
	const blocks = 8
	const perBlock = testBlock + 16 // a block and its index entry
	c := newDiskFS(t, time.Hour, func(cfg *Config) {
		cfg.ReadCache.WholeMax = NoWhole
		cfg.ReadCache.DiskBytes = (2*blocks-1)*perBlock + 2*200 // index headers: about 100 bytes each
	})
	a, b := pattern(blocks*testBlock, 3), pattern(blocks*testBlock, 4)
	put(t, c.fake, "a", a, nil)
	put(t, c.fake, "b", b, nil)
	fa, fb := lookupFile(t, c.fsys.Root(), "a"), lookupFile(t, c.fsys.Root(), "b")
	for _, f := range []*File{fa, fb} {
		h := openRead(t, f)
		readAllH(t, c, h, blocks*testBlock)
		h.Release(context.Background())
	}
	for deadline := time.Now().Add(5 * time.Second); len(c.fsys.blocks.MissingOnDisk(testBucket, "b", fb.snapshot().etag, blocks*testBlock)) > 0 ||
		len(c.fsys.blocks.MissingOnDisk(testBucket, "a", fa.snapshot().etag, blocks*testBlock)) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("b never evicted a block of a from the disk tier (is the budget too large for this test?)")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h := openRead(t, fa)
	if h.Whole() != nil {
		t.Fatal("a is whole on disk before its re-read")
	}
	gets := c.count.Count(remote.OpGet)
	if got := readAt(t, h, 0, blocks*testBlock); !bytes.Equal(got, a) {
		t.Fatal("re-read of a differs")
	}
	h.Release(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for {
		h = openRead(t, fa)
		whole := h.Whole() != nil
		if whole && !bytes.Equal(wholeBytes(t, h), a) {
			t.Fatal("a's cache file differs from the object")
		}
		h.Release(context.Background())
		if whole {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a never became whole on disk after its re-read; missing %v",
				c.fsys.blocks.MissingOnDisk(testBucket, "a", fa.snapshot().etag, blocks*testBlock))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := c.count.Count(remote.OpGet) - gets; n != 0 {
		t.Errorf("the re-read and its top-up sent %d GETs, want 0 (every block was in memory)", n)
	}
}
