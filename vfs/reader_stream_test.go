package vfs

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// gatedClient holds back each Get body after its first `first` bytes
// until gate is closed: a block whose start has arrived and whose rest
// has not.
type gatedClient struct {
	remote.Client
	first int
	gate  chan struct{}
}

func (c gatedClient) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	body, err := c.Client.Get(ctx, req)
	if err != nil {
		return nil, err
	}
	return &gatedBody{rc: body, left: c.first, gate: c.gate}, nil
}

type gatedBody struct {
	rc   io.ReadCloser
	left int
	gate chan struct{}
}

func (g *gatedBody) Read(p []byte) (int, error) {
	if g.left <= 0 {
		<-g.gate
	} else if len(p) > g.left {
		p = p[:g.left]
	}
	n, err := g.rc.Read(p)
	g.left -= n
	return n, err
}

func (g *gatedBody) Close() error { return g.rc.Close() }

// TestReaderStreamsColdBlock: a read of a block nobody holds returns once
// its bytes have arrived, before the rest of the block, in each of the
// reader's modes (a copy, a shared block, a span), with the object's
// bytes; the block is then cached whole.
func TestReaderStreamsColdBlock(t *testing.T) {
	fake, counting := newFake(t)
	data := pattern(4*testBlock-7, 21)
	put(t, fake, "f", data, nil)
	for _, mode := range []readMode{readCopy, readShare, readSpan} {
		gate := make(chan struct{})
		fsys := newReaderFS(t, gatedClient{Client: counting, first: 8 << 10, gate: gate}, func(cfg *Config) {
			cfg.ReadCache.ReadaheadMax = NoReadahead
			cfg.ReadCache.WholeMax = NoWhole
		})
		r := openReader(t, fsys, "f")
		const off = 3*testBlock + 100 // in the last, short block
		type result struct {
			res ReadResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := r.read(context.Background(), make([]byte, 4096), off, mode)
			done <- result{res, err}
		}()
		select {
		case got := <-done:
			if got.err != nil || !bytes.Equal(got.res.Data, data[off:off+4096]) {
				t.Fatalf("mode %d: %v, right bytes %v", mode, got.err, bytes.Equal(got.res.Data, data[off:off+4096]))
			}
			if got.res.Release != nil {
				got.res.Release()
			}
		case <-time.After(5 * time.Second):
			close(gate)
			t.Fatalf("mode %d: a read of bytes that had arrived waited for the rest of the block", mode)
		}
		close(gate)
		gets := counting.Count(remote.OpGet)
		if got := readSeq(t, r, 128<<10); !bytes.Equal(got, data) {
			t.Fatalf("mode %d: whole read differs from the object", mode)
		}
		if n := counting.Count(remote.OpGet) - gets; n != 3 {
			t.Errorf("mode %d: the whole read sent %d GETs, want 3 (blocks 0 to 2; the streamed one is cached whole)", mode, n)
		}
	}
}
