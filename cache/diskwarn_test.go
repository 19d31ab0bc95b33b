package cache

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// countingHandler counts the log records whose message contains match.
type countingHandler struct {
	match string
	mu    sync.Mutex
	n     int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.match) {
		h.mu.Lock()
		h.n++
		h.mu.Unlock()
	}
	return nil
}

func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// A disk that fails every write (here: the objects directory replaced by
// a file; in the field: a full disk) gets one warning per ten seconds, not
// one per block, and the reads still succeed.
func TestFailingDiskWritesWarnOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := diskCfg(dir)
	h := &countingHandler{match: "disk"}
	cfg.Logger = slog.New(h)
	b := newTestBlocks(t, cfg)
	root := filepath.Join(dir, "objects")
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(func(BlockKey) int { return 1000 })
	for i := range 20 {
		k := key(fmt.Sprintf("obj%d", i), "e1", 0)
		mustGet(t, b, k, f.For(k))
		waitFor(t, func() bool { return !b.inFlight(k) })
	}
	if s := b.Stats(); s.DiskBlocks != 0 {
		t.Fatalf("%d blocks on a disk that fails every write", s.DiskBlocks)
	}
	if n := h.count(); n != 1 {
		t.Fatalf("%d warnings for 20 failed writes within a second, want 1", n)
	}
	b.Close() // says how many were not logged
	if n := h.count(); n != 2 {
		t.Fatalf("after Close: %d warnings, want the first and one with the count", n)
	}
}
