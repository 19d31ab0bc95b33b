package cache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
)

const spanBS = 4096

func spanCfg(dir string) BlockConfig {
	return BlockConfig{BlockSize: spanBS, MemBytes: 2 * spanBS, DiskDir: dir, DiskBytes: 1 << 20}
}

// fetchAll reads blocks 0..n-1 of obj/e1 (lengths from f) and waits for
// their disk writes.
func fetchAll(t *testing.T, b *Blocks, f *fetcher, name string, n int) {
	t.Helper()
	for i := range n {
		k := key(name, "e1", int64(i))
		mustGet(t, b, k, f.For(k))
		waitFor(t, func() bool { return !b.inFlight(k) })
	}
}

// spanBytes reads what a span points at.
func spanBytes(t *testing.T, s Span) []byte {
	t.Helper()
	buf := make([]byte, s.Len)
	if _, err := s.File.ReadAt(buf, s.Off); err != nil {
		t.Fatal(err)
	}
	return buf
}

func acquireSpan(t *testing.T, b *Blocks, k BlockKey, fetch FetchFunc) (View, Span) {
	t.Helper()
	v, s, err := b.AcquireSpan(context.Background(), k, fetch)
	if err != nil {
		t.Fatal(err)
	}
	if (s.File == nil) == (v.bl == nil) {
		t.Fatalf("AcquireSpan gave view %v and span %v: want exactly one", v.bl != nil, s.File != nil)
	}
	return v, s
}

func TestSpanServesVerifiedDiskBlockWithoutReadingIt(t *testing.T) {
	b := newTestBlocks(t, spanCfg(t.TempDir()))
	f := newFetcher(func(BlockKey) int { return spanBS })
	fetchAll(t, b, f, "obj", 4) // memory holds two: block 0 is on disk only
	k := key("obj", "e1", 0)
	_, s := acquireSpan(t, b, k, mustNotFetch(t, k))
	if s.File == nil {
		t.Fatal("block 0 not served as a span")
	}
	defer s.Release()
	if s.Off != 0 || s.Len != spanBS || !bytes.Equal(spanBytes(t, s), blockBytes(k, spanBS)) {
		t.Fatal("span does not hold the block")
	}
	if st := b.Stats(); st.DiskSpans != 1 || st.DiskHits != 0 {
		t.Fatalf("stats %+v: want one span and no disk read", st)
	}
}

func TestSpanAfterRestartOnlyOnceVerified(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return spanBS })
	b0 := newTestBlocks(t, spanCfg(dir))
	fetchAll(t, b0, f, "obj", 4)
	b0.Close()

	b := newTestBlocks(t, spanCfg(dir))
	k := key("obj", "e1", 0)
	v, _ := acquireSpan(t, b, k, mustNotFetch(t, k))
	if v.bl == nil {
		t.Fatal("unverified block served as a span after restart")
	}
	v.Release()
	if st := b.Stats(); st.DiskHits != 1 {
		t.Fatalf("stats %+v: want one verified disk read", st)
	}
	for i := int64(1); i < 4; i++ { // push block 0 out of memory
		mustGet(t, b, key("obj", "e1", i), mustNotFetch(t, key("obj", "e1", i)))
	}
	_, s := acquireSpan(t, b, k, mustNotFetch(t, k))
	if s.File == nil {
		t.Fatal("verified block not served as a span")
	}
	s.Release()
}

func TestTornBlockNeverSpliced(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return spanBS })
	b0 := newTestBlocks(t, spanCfg(dir))
	fetchAll(t, b0, f, "obj", 2)
	b0.Close()
	k := key("obj", "e1", 1)
	data, _ := objPaths(dir, k)
	flipByte(t, data, spanBS+17)

	b := newTestBlocks(t, spanCfg(dir))
	v, s := acquireSpan(t, b, k, f.For(k))
	if s.File != nil {
		t.Fatal("corrupt block spliced")
	}
	defer v.Release()
	if !bytes.Equal(v.Bytes(), blockBytes(k, spanBS)) || f.Calls(k) != 2 {
		t.Fatal("corrupt block not refetched")
	}
	if st := b.Stats(); st.ChecksumFailures != 1 {
		t.Fatalf("stats %+v: want one checksum failure", st)
	}
}

// A block evicted while a span holds it keeps its bytes until Release;
// then its space is freed.
func TestSpanSurvivesEviction(t *testing.T) {
	dir := t.TempDir()
	cfg := spanCfg(dir)
	cfg.DiskBytes = 4 * (spanBS + idxEntryLen)
	b := newTestBlocks(t, cfg)
	f := newFetcher(func(BlockKey) int { return spanBS })
	fetchAll(t, b, f, "obj", 3)
	k := key("obj", "e1", 0)
	_, s := acquireSpan(t, b, k, mustNotFetch(t, k))
	if s.File == nil {
		t.Fatal("no span")
	}
	for i := int64(3); i < 8; i++ { // evicts blocks 0.. of the object
		k := key("obj", "e1", i)
		mustGet(t, b, k, f.For(k))
		waitFor(t, func() bool { return !b.inFlight(k) })
	}
	if b.disk.contains(k) {
		t.Fatal("block 0 not evicted")
	}
	if !bytes.Equal(spanBytes(t, s), blockBytes(k, spanBS)) {
		t.Fatal("span's bytes changed under it")
	}
	s.Release()
	if du := duObjects(t, dir); du > cfg.DiskBytes {
		t.Fatalf("%d bytes allocated after release, budget %d", du, cfg.DiskBytes)
	}
}

func TestOpenWholeNeedsEveryBlockVerified(t *testing.T) {
	dir := t.TempDir()
	const size = 2*spanBS + 100
	length := func(k BlockKey) int { return int(min(spanBS, size-k.Index*spanBS)) }
	f := newFetcher(length)
	b0 := newTestBlocks(t, spanCfg(dir))
	fetchAll(t, b0, f, "obj", 2)
	if b0.OpenWhole("bkt", "obj", "e1", size) != nil {
		t.Fatal("object with a block missing opened whole")
	}
	fetchAll(t, b0, f, "obj", 3)
	for _, wrong := range []int64{size - 1, size + 1, 0} {
		if b0.OpenWhole("bkt", "obj", "e1", wrong) != nil {
			t.Fatalf("opened whole at size %d", wrong)
		}
	}
	if b0.OpenWhole("bkt", "obj", "e2", size) != nil {
		t.Fatal("other ETag opened whole")
	}
	w := b0.OpenWhole("bkt", "obj", "e1", size)
	if w == nil {
		t.Fatal("fully cached object not opened whole")
	}
	got, err := io.ReadAll(w.File)
	var want []byte
	for i := range int64(3) {
		want = append(want, blockBytes(key("obj", "e1", i), length(key("obj", "e1", i)))...)
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("whole file differs from the object (%d bytes, %v)", len(got), err)
	}
	w.Close()
	b0.Close()

	b := newTestBlocks(t, spanCfg(dir))
	if b.OpenWhole("bkt", "obj", "e1", size) != nil {
		t.Fatal("unverified object opened whole after restart")
	}
	for i := range int64(3) {
		k := key("obj", "e1", i)
		mustGet(t, b, k, mustNotFetch(t, k))
	}
	w = b.OpenWhole("bkt", "obj", "e1", size)
	if w == nil {
		t.Fatal("object verified block by block not opened whole")
	}
	w.Close()
	if st := b.Stats(); st.WholeOpens != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Evicting a block of an object open whole removes its files, and the
// open file keeps reading the same bytes.
func TestWholeSurvivesEviction(t *testing.T) {
	dir := t.TempDir()
	cfg := spanCfg(dir)
	cfg.DiskBytes = 4 * (spanBS + idxEntryLen + 64)
	b := newTestBlocks(t, cfg)
	f := newFetcher(func(BlockKey) int { return spanBS })
	fetchAll(t, b, f, "obj", 2)
	w := b.OpenWhole("bkt", "obj", "e1", 2*spanBS)
	if w == nil {
		t.Fatal("not whole")
	}
	defer w.Close()
	fetchAll(t, b, f, "other", 4)
	data, _ := objPaths(dir, key("obj", "e1", 0))
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("evicted object's file still there: %v", err)
	}
	got := make([]byte, 2*spanBS)
	if _, err := w.File.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	want := append(blockBytes(key("obj", "e1", 0), spanBS), blockBytes(key("obj", "e1", 1), spanBS)...)
	if !bytes.Equal(got, want) {
		t.Fatal("open whole file changed by eviction")
	}
}

// A block whose data was written but whose entry was not (a crash in
// between) is absent after a restart.
func TestBlockWithoutEntryIsAbsent(t *testing.T) {
	dir := t.TempDir()
	f := newFetcher(func(BlockKey) int { return spanBS })
	b0 := newTestBlocks(t, spanCfg(dir))
	fetchAll(t, b0, f, "obj", 2)
	b0.Close()
	k := key("obj", "e1", 1)
	_, idx := objPaths(dir, k)
	fh, err := os.OpenFile(idx, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteAt(make([]byte, idxEntryLen), entryAt(k)); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	b := newTestBlocks(t, spanCfg(dir))
	if b.Contains(k) || !b.Contains(key("obj", "e1", 0)) {
		t.Fatal("block without an entry present, or its neighbour lost")
	}
	if st := b.Stats(); st.ChecksumFailures != 0 {
		t.Fatalf("a cleared entry counted as corruption: %+v", st)
	}
}
