package vfs

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// TestCoreOpenDuringLastReleaseSeesItsCommit: a truncate by path that
// joined a writer after its last flush is committed by the writer's
// release, which the kernel sends after close returned. An open while that
// commit runs must read the truncated file, not the version before (found
// by the differential tester: a read after write, append and truncate by
// path returned the pre-truncate bytes when the release was still
// committing).
func TestCoreOpenDuringLastReleaseSeesItsCommit(t *testing.T) {
	ctx := context.Background()
	c := newCoreFS(t, true)
	root := c.fsys.Root()
	old := pattern(5000, 3)
	put(t, c.fake, "a", old, nil)
	f := lookupFile(t, root, "a")
	wh := openWriteH(t, f, os.O_WRONLY)
	write(t, wh, []byte("tail"), int64(len(old)))
	if err := wh.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SetAttr(ctx, AttrChange{Size: 9000, HasSize: true}, false); err != nil {
		t.Fatal(err)
	}
	want := append(append(bytes.Clone(old), "tail"...), make([]byte, 9000-len(old)-4)...)

	// Hold the release's upload until the open below has happened.
	entered, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(context.Context, string) error {
		once.Do(func() { close(entered) })
		<-proceed
		return nil
	}
	for _, op := range []string{remote.OpPut, remote.OpCopy, remote.OpCreateMultipart} {
		c.fake.SetHook(op, hold)
	}
	released := make(chan struct{})
	go func() { wh.Release(ctx); close(released) }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the release sent no upload")
	}
	h, _, err := f.Open(ctx, os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	rh := h.(*ReadHandle)
	defer rh.Release(ctx)
	close(proceed)
	got := readAt(t, rh, 0, len(want)) // fails at an end of file before
	<-released
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes during the release's commit, want the truncated file's %d", len(got), len(want))
	}
}
