package vfs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// Tests of the batches of missing names (missbatch.go) against the Fake.

// newBatchFS is newCoreFS with a test clock.
func newBatchFS(t *testing.T) (core, *testClock) {
	t.Helper()
	fake, counting := newFake(t)
	clock := newTestClock()
	cfg := Config{
		Source:    Source{Bucket: testBucket},
		BlockSize: testBlock,
		ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: NoReadahead},
		Write: WriteConfig{
			PartSize: remote.MinPartSize, Concurrency: 2,
			BufferBytes: 4 * remote.MinPartSize, StageDir: t.TempDir(),
		},
		Logger: slog.New(slog.DiscardHandler),
		Clock:  clock.Now,
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	return core{fake: fake, count: counting, fsys: fsys}, clock
}

// cpFile does what cp does for one new file: the kernel's lookup of the
// name (missing), an exclusive create, a write and the last close.
func cpFile(t *testing.T, d *Dir, name string) {
	t.Helper()
	mustNotExist(t, d, name)
	_, wh, err := d.Create(context.Background(), name, true)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	write(t, wh, []byte("data of "+name), 0)
	wh.Release(context.Background())
}

// TestMissBatchCopyCostsOnePutPerFile: copying files into a new
// directory probes the first two names; the third lookup lists the
// directory once, and from then on every file costs its PutObject alone
// (no HEAD, no listing) while the batch is younger than StatTTL. After
// StatTTL one new listing renews it. Every file is in S3.
func TestMissBatchCopyCostsOnePutPerFile(t *testing.T) {
	c, clock := newBatchFS(t)
	ctx := context.Background()
	d, err := c.fsys.Root().Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	c.count.Reset()
	cpFile(t, d, "f00")
	cpFile(t, d, "f01")
	probes := c.count.Snapshot()
	if probes[remote.OpList] != 2 || probes[remote.OpHead] != 4 || probes[remote.OpPut] != 2 {
		t.Fatalf("the first two files: %v, want a probe (2 HEADs, 1 listing) and a PUT each", probes)
	}
	c.count.Reset()
	for i := 2; i < 20; i++ {
		cpFile(t, d, fmt.Sprintf("f%02d", i))
	}
	got := c.count.Snapshot()
	if got[remote.OpList] != 1 || got[remote.OpHead] != 0 || got[remote.OpPut] != 18 || c.count.Total() != 19 {
		t.Fatalf("18 more files: %v, want one listing and a PUT per file", got)
	}
	// A long copy, one file a second: the batch is renewed each StatTTL
	// (5 s) by one listing.
	c.count.Reset()
	for i := range 10 {
		clock.Advance(time.Second)
		cpFile(t, d, fmt.Sprintf("g%02d", i))
	}
	if got := c.count.Snapshot(); got[remote.OpList] != 2 || got[remote.OpHead] != 0 || got[remote.OpPut] != 10 {
		t.Fatalf("10 files over 10 s: %v, want two new listings and a PUT per file", got)
	}
	for i := range 20 {
		mustStore(t, c.fake, fmt.Sprintf("d/f%02d", i), []byte(fmt.Sprintf("data of f%02d", i)))
	}
}

// TestMissBatchNamesChangedThroughTheMount: a name created, replaced or
// removed through the mount after the batch was taken is never answered
// from it: lookups find the new file, and find a removed one missing
// through the usual path.
func TestMissBatchNamesChangedThroughTheMount(t *testing.T) {
	c, _ := newBatchFS(t)
	ctx := context.Background()
	d, err := c.fsys.Root().Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		cpFile(t, d, n) // c's lookup took the batch
	}
	if got := lookupFile(t, d, "c"); got == nil {
		t.Fatal("no node for a file created after the batch")
	}
	// A file written below a new subdirectory: the subdirectory's name
	// is no longer answered missing.
	sub, err := d.Mkdir(ctx, "sub")
	if err != nil {
		t.Fatal(err)
	}
	cpFile(t, sub, "x")
	if got := lookupDir(t, d, "sub"); got == nil {
		t.Fatal("no node for the new subdirectory")
	}
	if err := d.Unlink(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	mustNotExist(t, d, "a")
	if err := d.Rename(ctx, "b", d, "renamed", 0); err != nil {
		t.Fatal(err)
	}
	if got := lookupFile(t, d, "renamed"); got == nil {
		t.Fatal("no node for the rename's target")
	}
	mustNotExist(t, d, "b")
}

// TestMissBatchIsNoListing: the batch only answers lookups of missing
// names for StatTTL (what one failed lookup is trusted for). An object
// another client writes in the directory is listed at once by readdir,
// found by a lookup once StatTTL has passed, and rm -rf (readdir, unlink,
// rmdir) empties the directory.
func TestMissBatchIsNoListing(t *testing.T) {
	c, clock := newBatchFS(t)
	ctx := context.Background()
	root := c.fsys.Root()
	d, err := root.Mkdir(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		cpFile(t, d, n)
	}
	put(t, c.fake, "d/theirs", []byte("another client's"), nil)
	mustNotExist(t, d, "theirs") // within StatTTL of the batch, as a failed lookup would be
	s := d.OpenStream()
	n, err := s.Len(ctx)
	if err != nil || n != 4 {
		t.Fatalf("readdir of the directory: %d entries, %v; want a, b, c and theirs", n, err)
	}
	for i := range n {
		name := s.Entry(i).Name
		if _, ok := s.Lookup(name); !ok {
			t.Fatalf("readdir's %s not found from its snapshot", name)
		}
		if err := d.Unlink(ctx, name); err != nil {
			t.Fatalf("rm -rf: unlink %s: %v", name, err)
		}
	}
	if err := root.Rmdir(ctx, "d"); err != nil {
		t.Fatalf("rm -rf: rmdir: %v", err)
	}
	mustNotStore(t, c.fake, "d/theirs")

	// Lookups after StatTTL go to S3 again.
	e, err := root.Mkdir(ctx, "e")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		cpFile(t, e, n)
	}
	put(t, c.fake, "e/theirs", []byte("another client's"), nil)
	clock.Advance(DefaultStatTTL)
	if got := lookupFile(t, e, "theirs"); got == nil {
		t.Fatal("another client's object not found after StatTTL")
	}
	// An exclusive create of a name the batch lacks, after StatTTL, asks
	// S3 (and is refused when another client created it).
	put(t, c.fake, "e/late", []byte("theirs"), nil)
	if _, _, err := e.Create(ctx, "late", true); !errors.Is(err, ErrExist) {
		t.Fatalf("exclusive create over another client's object after StatTTL: %v", err)
	}
}

// TestMissBatchLargeDirectoryProbes: a directory whose listing does not
// fit one page keeps probing each name, and is not listed again for
// ListTTL.
func TestMissBatchLargeDirectoryProbes(t *testing.T) {
	c, clock := newBatchFS(t)
	for i := range listPageSize + 1 {
		put(t, c.fake, fmt.Sprintf("big/k%05d", i), nil, nil)
	}
	d := lookupDir(t, c.fsys.Root(), "big")
	c.count.Reset()
	for i := range 6 {
		mustNotExist(t, d, fmt.Sprintf("new%d", i))
	}
	// 6 probes (a listing each) and one listing of a page: 7 listings.
	if got := c.count.Snapshot(); got[remote.OpList] != 7 || got[remote.OpHead] != 12 {
		t.Fatalf("6 lookups in a directory of %d keys: %v, want 6 probes and one page", listPageSize+1, got)
	}
	clock.Advance(DefaultListTTL)
	c.count.Reset()
	for i := range 3 {
		mustNotExist(t, d, fmt.Sprintf("later%d", i))
	}
	if got := c.count.Count(remote.OpList); got != 4 {
		t.Fatalf("after ListTTL: %d listings, want 3 probes and one page", got)
	}
}
