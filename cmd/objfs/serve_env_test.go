package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/objfs/objfs/vfs"

	"github.com/objfs/objfs/cache"
	"github.com/objfs/objfs/metrics"
	"github.com/objfs/objfs/remote"
)

// TestRegisterTreesCountsSharedCacheOnce: connector trees that share one
// block cache export it once; a tree with its own cache adds its own.
func TestRegisterTreesCountsSharedCacheOnce(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), servingKey{}, &serving{metrics: m})
	base := vfs.Config{Source: mustParseSource(t, "s3://"), Logger: slog.New(slog.DiscardHandler)}
	base.ReadCache.MemBytes = 64 << 20
	shared, err := vfs.NewBlockCache(base)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	newTree := func(blocks *cache.Blocks) *vfs.FS {
		cfg := base
		cfg.Blocks = blocks
		f, err := vfs.New(remote.NewFake(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close(context.Background()) })
		return f
	}
	a, b, own := newTree(shared), newTree(shared), newTree(nil)
	// Three misses in the shared cache, one in the tree's own.
	for i := range 3 {
		getBlock(t, shared, int64(i))
	}
	getBlock(t, own.BlockCache(), 0)
	registerTrees(ctx, treesCloser{{Label: "a", FS: a}, {Label: "b", FS: b}, {Label: "own", FS: own}})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `objfs_cache_misses_total{tier="memory"} 4`; !strings.Contains(rec.Body.String(), want+"\n") {
		t.Fatalf("want %q in:\n%s", want, grepLines(rec.Body.String(), "objfs_cache_misses_total"))
	}
}

// getBlock fills block i of a test object into c.
func getBlock(t *testing.T, c *cache.Blocks, i int64) {
	t.Helper()
	k := cache.BlockKey{Bucket: "bkt", Key: "k", ETag: `"e"`, Index: i}
	_, err := c.Get(context.Background(), k, func(context.Context) ([]byte, error) { return []byte("data"), nil })
	if err != nil {
		t.Fatal(err)
	}
}

func mustParseSource(t *testing.T, s string) vfs.Source {
	t.Helper()
	src, err := vfs.ParseSource(s)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
