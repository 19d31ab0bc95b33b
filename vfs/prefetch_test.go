package vfs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// Tests of the data-loader prefetch (prefetch.go) against the Fake.

// getLog records the GETs it forwards (key, offset, If-Match) and how many
// are in flight; with gated, each GET waits for its context to end first.
type getLog struct {
	remote.Client
	gated bool

	mu       sync.Mutex
	gets     []remote.GetRequest
	active   int
	peak     int
	canceled int // gated GETs ended by their context
}

func (c *getLog) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	c.mu.Lock()
	c.gets = append(c.gets, req)
	c.active++
	c.peak = max(c.peak, c.active)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.active--
		c.mu.Unlock()
	}()
	if c.gated {
		<-ctx.Done()
		c.mu.Lock()
		c.canceled++
		c.mu.Unlock()
		return nil, ctx.Err()
	}
	return c.Client.Get(ctx, req)
}

// keys returns the keys GET so far, sorted, without repeats.
func (c *getLog) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, g := range c.gets {
		out = append(out, g.Key)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (c *getLog) snapshot() (gets []remote.GetRequest, active, peak, canceled int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.gets), c.active, c.peak, c.canceled
}

// waitUntil polls cond until it holds, failing after a generous deadline
// (the prefetch runs on its own goroutines; nothing here is timed).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// prefetchFixture is a tree over a Fake holding d/f00 ... d/f19, each two
// blocks, with readahead off (so every GET of another file than the one
// read is the prefetch's) and PrefetchFiles 4.
type prefetchFixture struct {
	fake  *remote.Fake
	log   *getLog
	fsys  *FS
	clock *testClock
	d     *Dir
	body  map[string][]byte
}

const prefetchTestFiles = 20

func newPrefetchFixture(t *testing.T, gated bool, mod func(*Config)) *prefetchFixture {
	t.Helper()
	return newPrefetchFixtureOf(t, prefetchTestFiles, gated, mod)
}

// newPrefetchFixtureOf is newPrefetchFixture with count files.
func newPrefetchFixtureOf(t *testing.T, count int, gated bool, mod func(*Config)) *prefetchFixture {
	t.Helper()
	fake, _ := newFake(t)
	fx := &prefetchFixture{fake: fake, log: &getLog{Client: fake, gated: gated}, clock: newTestClock(), body: map[string][]byte{}}
	for i := range count {
		name := fmt.Sprintf("f%02d", i)
		fx.body[name] = pattern(2*testBlock, byte(i))
		put(t, fake, "d/"+name, fx.body[name], nil)
	}
	put(t, fake, "d/sub/x", []byte("x"), nil) // a directory among the files: skipped
	cfg := Config{
		Source:    Source{Bucket: testBucket},
		BlockSize: testBlock,
		ReadCache: ReadCacheConfig{MemBytes: 64 * testBlock, ReadaheadMax: NoReadahead, PrefetchFiles: 4},
		Logger:    slog.New(slog.DiscardHandler),
		Clock:     fx.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(fx.log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(context.Background()) })
	fx.fsys = fsys
	fx.d = lookupDir(t, fsys.Root(), "d")
	return fx
}

// list lists d as a program's readdir does.
func (fx *prefetchFixture) list(t *testing.T) {
	t.Helper()
	if _, err := fx.d.OpenStream().Len(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// open opens d/name for reading (as cat does, after the kernel's lookup).
func (fx *prefetchFixture) open(t *testing.T, name string) *ReadHandle {
	t.Helper()
	h, _, err := lookupFile(t, fx.d, name).Open(context.Background(), syscall.O_RDONLY)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return h.(*ReadHandle)
}

// cat opens, reads whole and releases d/name, checking its bytes.
func (fx *prefetchFixture) cat(t *testing.T, name string) {
	t.Helper()
	h := fx.open(t, name)
	defer h.Release(context.Background())
	buf := make([]byte, 3*testBlock)
	var got []byte
	for off := int64(0); ; {
		data, release, err := h.Read(context.Background(), buf, off)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		got = append(got, data...)
		release()
		if len(data) == 0 {
			break
		}
		off += int64(len(data))
	}
	if !bytes.Equal(got, fx.body[name]) {
		t.Fatalf("%s: read %d bytes that differ from the %d stored", name, len(got), len(fx.body[name]))
	}
}

func fileKeys(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("d/f%02d", i))
	}
	return out
}

// TestPrefetchFollowsListingOrder: after three opens in listing order the
// next PrefetchFiles files' first blocks (only those, pinned to the
// listing's ETags) are fetched; the files are then read without another
// GET of their first block, and every open of one counts as a hit.
func TestPrefetchFollowsListingOrder(t *testing.T) {
	fx := newPrefetchFixture(t, false, nil)
	fx.list(t)
	for i := range 3 {
		fx.cat(t, fmt.Sprintf("f%02d", i))
	}
	want := fileKeys(0, 7) // f00-f02 read, f03-f06 prefetched
	waitUntil(t, "the prefetch of f03-f06", func() bool { return slices.Equal(fx.log.keys(), want) })
	gets, _, _, _ := fx.log.snapshot()
	for _, g := range gets {
		if g.Key < "d/f03" {
			continue
		}
		info, err := fx.fake.Head(context.Background(), testBucket, g.Key)
		if err != nil {
			t.Fatal(err)
		}
		if g.Offset != 0 || g.Length != testBlock || g.IfMatch != info.ETag {
			t.Errorf("prefetch GET %s [%d,+%d) If-Match %q; want block 0 pinned to %q", g.Key, g.Offset, g.Length, g.IfMatch, info.ETag)
		}
	}
	waitUntil(t, "4 files issued", func() bool { return fx.fsys.PrefetchStats().Issued == 4 })
	before := len(gets)
	fx.cat(t, "f03")
	gets, _, _, _ = fx.log.snapshot()
	for _, g := range gets[before:] {
		if g.Key == "d/f03" && g.Offset == 0 {
			t.Fatalf("f03's first block was fetched again after its prefetch: %+v", g)
		}
	}
	if s := fx.fsys.PrefetchStats(); s.Hits != 1 || s.Wasted != 0 {
		t.Fatalf("after reading a prefetched file: %+v, want 1 hit, none wasted", s)
	}
	// The reader moved on by one: one more file (f07) is prefetched.
	waitUntil(t, "the prefetch of f07", func() bool { return slices.Contains(fx.log.keys(), "d/f07") })
	if slices.Contains(fx.log.keys(), "d/f08") {
		t.Fatalf("GETs %v go past PrefetchFiles ahead of the reader", fx.log.keys())
	}
}

// TestPrefetchRandomOpensFetchNothing: opens that jump around the listing
// never start a prefetch, and neither do opens in order in a directory
// that was not listed.
func TestPrefetchRandomOpensFetchNothing(t *testing.T) {
	fx := newPrefetchFixtureOf(t, 200, false, nil)
	fx.list(t)
	for _, i := range []int{100, 20, 190, 50, 130, 0, 80, 170, 10, 60, 140, 30} {
		h := fx.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	unlisted := newPrefetchFixture(t, false, nil)
	for i := range 6 {
		h := unlisted.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	time.Sleep(50 * time.Millisecond) // let a wrongly started prefetch show up
	for _, f := range []*prefetchFixture{fx, unlisted} {
		if keys := f.log.keys(); len(keys) != 0 || f.fsys.PrefetchStats().Issued != 0 {
			t.Fatalf("opens without a pattern fetched %v (%+v)", keys, f.fsys.PrefetchStats())
		}
	}
}

// TestPrefetchParallelReaders: 4 readers sharing the listing's files in
// order (each takes the next), as a data loader's workers do: they reach
// a streak despite opening slightly out of order, every file is read
// right, and every file prefetched is a hit: one the readers reached
// first is left to them.
func TestPrefetchParallelReaders(t *testing.T) {
	fx := newPrefetchFixture(t, false, func(c *Config) { c.ReadCache.PrefetchFiles = 8 })
	fx.list(t)
	next := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for name := range next {
				fx.cat(t, name)
			}
		})
	}
	for i := range prefetchTestFiles {
		next <- fmt.Sprintf("f%02d", i)
	}
	close(next)
	wg.Wait()
	// Every file is opened once, after or while its prefetch ran, or
	// before it (then it is not fetched again): no waste.
	if s := fx.fsys.PrefetchStats(); s.Issued == 0 || s.Hits != s.Issued || s.Wasted != 0 {
		t.Fatalf("parallel readers in order: %+v, want files prefetched, each a hit", s)
	}
}

// TestPrefetchBoundedByCache: PrefetchFiles is capped so that the blocks
// fit a quarter of the memory budget, and the readers never get more than
// that many files ahead fetched.
func TestPrefetchBoundedByCache(t *testing.T) {
	fx := newPrefetchFixture(t, false, func(c *Config) {
		c.ReadCache.MemBytes = 8 * testBlock // a quarter: 2 blocks
		c.ReadCache.PrefetchFiles = 100
	})
	if got := fx.fsys.prefetch.ahead; got != 2 {
		t.Fatalf("files ahead %d under a cache of 8 blocks, want 2", got)
	}
	fx.list(t)
	for i := range 3 {
		h := fx.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	waitUntil(t, "2 files issued", func() bool { return fx.fsys.PrefetchStats().Issued == 2 })
	time.Sleep(50 * time.Millisecond)
	if keys := fx.log.keys(); !slices.Equal(keys, fileKeys(3, 5)) {
		t.Fatalf("prefetched %v, want %v", keys, fileKeys(3, 5))
	}
	off := newPrefetchFixture(t, false, func(c *Config) { c.ReadCache.PrefetchFiles = NoPrefetch })
	off.list(t)
	for i := range 6 {
		h := off.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	time.Sleep(50 * time.Millisecond)
	if keys := off.log.keys(); len(keys) != 0 {
		t.Fatalf("NoPrefetch fetched %v", keys)
	}
}

// TestPrefetchRespectsConnector: under a connector that reaches only
// d/f0*, the prefetch fetches nothing else (and reports no denial), even
// when the cached listing holds names the connector denies.
func TestPrefetchRespectsConnector(t *testing.T) {
	rec := &decisions{}
	fx := newPrefetchFixture(t, false, func(c *Config) {
		c.Connector = testConnector(t, "ro", "read", testBucket+"/d/f0*")
		c.Observer = rec
		c.ReadCache.PrefetchFiles = 16
	})
	fx.list(t)
	for i := range 3 {
		h := fx.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	waitUntil(t, "f03-f09 issued", func() bool { return fx.fsys.PrefetchStats().Issued == 7 })
	// A listing that holds denied names (cached before a reconfiguration,
	// say): the prefetch must skip them itself.
	l, err := newCacheListing([]entry{
		{name: "f07", size: 2 * testBlock, etag: `"a"`}, {name: "f08", size: 2 * testBlock, etag: `"b"`},
		{name: "f09", size: 2 * testBlock, etag: `"c"`}, {name: "f10", size: 2 * testBlock, etag: `"d"`},
		{name: "f11", size: 2 * testBlock, etag: `"e"`},
	})
	if err != nil {
		t.Fatal(err)
	}
	fx.fsys.meta.PutDir(testBucket, "d/", l)
	p := fx.fsys.prefetch
	p.mu.Lock()
	p.dirs[dirKey{testBucket, "d/"}] = &dirOrder{seq: listingSeq{l}, last: -1, hi: -1, streak: prefetchStreak}
	p.mu.Unlock()
	for i := range l.Len() {
		if !p.offer(fx.d, fromCacheEntry(l.At(i)), listingSeq{l}, i) {
			t.Fatal("queue full")
		}
	}
	time.Sleep(50 * time.Millisecond)
	for _, k := range fx.log.keys() {
		if k >= "d/f10" {
			t.Fatalf("the prefetch fetched %s, which the connector denies (GETs %v)", k, fx.log.keys())
		}
	}
	// Not even tried (the restricted client would refuse such a GET
	// without a request; the prefetch must not get that far).
	if s := fx.fsys.PrefetchStats(); s.Issued != 7 {
		t.Fatalf("%+v: files the connector denies were issued", s)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if slices.Contains(rec.got, "ro:denied") {
		t.Fatalf("the prefetch caused denials: %v", rec.got)
	}
}

// TestPrefetchCancelledAtClose: prefetch GETs that never answer are
// bounded (at most prefetchWorkers at once, whatever PrefetchFiles is),
// and Close ends them and the workers: none is left running.
func TestPrefetchCancelledAtClose(t *testing.T) {
	fx := newPrefetchFixture(t, true, func(c *Config) { c.ReadCache.PrefetchFiles = 12 })
	fx.list(t)
	for i := range 3 {
		h := fx.open(t, fmt.Sprintf("f%02d", i))
		h.Release(context.Background())
	}
	waitUntil(t, "the workers' GETs", func() bool { _, active, _, _ := fx.log.snapshot(); return active == prefetchWorkers })
	time.Sleep(50 * time.Millisecond)
	if _, _, peak, _ := fx.log.snapshot(); peak != prefetchWorkers {
		t.Fatalf("%d prefetch GETs at once, want at most %d", peak, prefetchWorkers)
	}
	if err := fx.fsys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	gets, active, _, canceled := fx.log.snapshot()
	if active != 0 || canceled != len(gets) {
		t.Fatalf("after Close: %d GETs still running, %d of %d cancelled", active, canceled, len(gets))
	}
	p := fx.fsys.prefetch
	p.mu.Lock()
	stopped, pending := p.stopped, len(p.pending)
	p.mu.Unlock()
	if !stopped || pending != 0 {
		t.Fatalf("after Close: stopped %v, %d pending", stopped, pending)
	}
	if s := fx.fsys.PrefetchStats(); s.Wasted != s.Issued || s.Issued == 0 {
		t.Fatalf("after Close: %+v, want every issued file counted as wasted", s)
	}
	// Nothing starts after Close.
	if !p.offer(fx.d, entry{name: "f19", size: 2 * testBlock, etag: `"x"`}, nil, 99) {
		t.Fatal("offer after Close refused instead of ignored")
	}
	if _, active, _, _ := fx.log.snapshot(); active != 0 {
		t.Fatal("a GET started after Close")
	}
}

// TestPrefetchNeverServesStale: a file overwritten after the listing is
// prefetched against the listed ETag, which S3 refuses (If-Match), so no
// old byte is cached; an open after StatTTL pins the new version and
// reads it, and the prefetch counts it as wasted.
func TestPrefetchNeverServesStale(t *testing.T) {
	fx := newPrefetchFixture(t, false, nil)
	fx.list(t)
	fresh := pattern(2*testBlock, 99)
	put(t, fx.fake, "d/f03", fresh, nil)
	for i := range 3 {
		fx.cat(t, fmt.Sprintf("f%02d", i))
	}
	waitUntil(t, "4 files issued", func() bool { return fx.fsys.PrefetchStats().Issued == 4 })
	p := fx.fsys.prefetch
	waitUntil(t, "the prefetch of f03 to end", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		r := p.pending[objectKey{testBucket, "d/f03"}]
		return r != nil && r.done
	})
	fx.clock.Advance(2 * DefaultStatTTL)
	fx.body["f03"] = fresh
	fx.cat(t, "f03")
	if s := fx.fsys.PrefetchStats(); s.Wasted != 1 || s.Hits != 0 {
		t.Fatalf("after reading an object changed since its prefetch: %+v, want 1 wasted, no hit", s)
	}
}

// TestPrefetchOutlivesListTTL: a reader that started in listing order
// keeps being prefetched for after the listing expired (a long tar c),
// against the listing it started on; the files read are right.
func TestPrefetchOutlivesListTTL(t *testing.T) {
	fx := newPrefetchFixture(t, false, nil)
	fx.list(t)
	fx.cat(t, "f00")
	fx.clock.Advance(DefaultListTTL + time.Second)
	if fx.d.cache().fresh() != nil {
		t.Fatal("the listing is still fresh")
	}
	fx.cat(t, "f01")
	fx.cat(t, "f02")
	want := fileKeys(0, 7)
	waitUntil(t, "the prefetch of f03-f06", func() bool { return slices.Equal(fx.log.keys(), want) })
	waitUntil(t, "4 files issued", func() bool { return fx.fsys.PrefetchStats().Issued == 4 })
	fx.cat(t, "f03")
	if s := fx.fsys.PrefetchStats(); s.Hits != 1 {
		t.Fatalf("%+v after reading f03, want a hit", s)
	}
}

// TestPrefetchFollowsPreviousPass: in a directory never listed, a second
// pass of opens in the order of the first (a loader opening files by
// name from its index, every epoch alike) is prefetched along that order
// once three opens followed it: the files after the third, in the first
// pass's order, not in name order.
func TestPrefetchFollowsPreviousPass(t *testing.T) {
	fx := newPrefetchFixture(t, false, nil)
	order := []int{5, 2, 11, 7, 0, 13, 9, 1, 17, 3}
	pass := func(n int) {
		for _, i := range order[:n] {
			h := fx.open(t, fmt.Sprintf("f%02d", i))
			h.Release(context.Background())
		}
	}
	pass(len(order)) // the first pass: opens only, nothing read, nothing prefetched
	if keys := fx.log.keys(); len(keys) != 0 {
		t.Fatalf("the first pass fetched %v", keys)
	}
	pass(3) // f05, f02, f11 again
	want := []string{"d/f00", "d/f07", "d/f09", "d/f13"}
	waitUntil(t, "the prefetch of the next 4 of the first pass", func() bool { return slices.Equal(fx.log.keys(), want) })
	waitUntil(t, "4 files issued", func() bool { return fx.fsys.PrefetchStats().Issued == 4 })
	fx.cat(t, "f07")
	if s := fx.fsys.PrefetchStats(); s.Hits != 1 {
		t.Fatalf("%+v after reading f07, want a hit", s)
	}
}

// TestPrefetchOrdersBounded: the orders followed are bounded in number
// and in the bytes of the listings they hold, which may outlive the
// metadata cache's.
func TestPrefetchOrdersBounded(t *testing.T) {
	fx := newPrefetchFixture(t, false, nil)
	p := fx.fsys.prefetch
	entries := make([]entry, 0, 40000)
	for i := range cap(entries) {
		entries = append(entries, entry{name: fmt.Sprintf("a-rather-long-file-name-%07d.tar", i), size: 1, etag: `"0123456789abcdef0123456789abcdef"`})
	}
	big, err := newCacheListing(entries)
	if err != nil {
		t.Fatal(err)
	}
	small, err := newCacheListing(entries[:1])
	if err != nil {
		t.Fatal(err)
	}
	if 16*big.Bytes() <= prefetchListBytesMax {
		t.Fatalf("a listing of %d bytes is too small for this test", big.Bytes())
	}
	for i := range 3 * prefetchDirsMax {
		l := small
		if i%4 == 0 {
			l = big // every fourth directory is large
		}
		p.follow(dirKey{testBucket, fmt.Sprintf("d%03d/", i)}, listingSeq{l}, 0)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	held := int64(0)
	for _, o := range p.dirs {
		held += o.seq.(listingSeq).l.Bytes()
	}
	if len(p.dirs) > prefetchDirsMax || held > prefetchListBytesMax {
		t.Fatalf("%d orders holding %d bytes of listings, want at most %d and %d", len(p.dirs), held, prefetchDirsMax, prefetchListBytesMax)
	}
	if _, ok := p.dirs[dirKey{testBucket, fmt.Sprintf("d%03d/", 3*prefetchDirsMax-1)}]; !ok {
		t.Fatal("the newest order was dropped")
	}
}
