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
