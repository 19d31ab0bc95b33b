package vfs

import (
	"bytes"
	"context"
	"testing"
)

// TestReaderLargeRequests: FUSE requests of many blocks (16 MiB over
// 1 MiB blocks, --max-request-size) are answered whole and right, at
// unaligned offsets and across the end, also when one request holds more
// blocks than the memory tier: each block is held only while it is
// copied.
func TestReaderLargeRequests(t *testing.T) {
	for _, tc := range []struct {
		name      string
		memBlocks int64
	}{{"tier holds the request", 64}, {"request larger than the tier", 8}} {
		t.Run(tc.name, func(t *testing.T) {
			fake, counting := newFake(t)
			size := 40*testBlock + 777
			data := pattern(size, 21)
			put(t, fake, "f", data, nil)
			fsys := newReaderFS(t, counting, func(c *Config) {
				c.ReadCache.MemBytes = tc.memBlocks * testBlock
				c.ReadCache.ReadaheadMax = min(16, tc.memBlocks/4) * testBlock
			})
			r := openReader(t, fsys, "f")
			ctx := context.Background()
			for _, req := range []struct{ off, n int64 }{
				{0, 16 * testBlock},
				{16*testBlock + 5, 16 * testBlock},     // unaligned, 17 blocks
				{32*testBlock - 1, 16 * testBlock},     // across the end
				{3*testBlock + 100, 20*testBlock + 11}, // more blocks than an 8-block tier
			} {
				p := make([]byte, req.n)
				got, release, err := r.Read(ctx, p, req.off)
				if err != nil {
					t.Fatalf("Read(%d, %d): %v", req.off, req.n, err)
				}
				want := data[req.off:min(req.off+req.n, int64(size))]
				if !bytes.Equal(got, want) {
					t.Fatalf("Read(%d, %d): %d bytes, wrong", req.off, req.n, len(got))
				}
				if release != nil {
					release()
				}
			}
		})
	}
}
