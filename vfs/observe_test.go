package vfs

import (
	"slices"
	"sync"
	"testing"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/internal/testkit"
)

// decisions records what an Observer is told.
type decisions struct {
	mu  sync.Mutex
	got []string
}

func (d *decisions) Decision(connector string, allowed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := "denied"
	if allowed {
		v = "allowed"
	}
	d.got = append(d.got, connector+":"+v)
}

// newTree returns a tree over a fresh Fake, closed at the end of the test.
type tree struct{ fsys *FS }

func newTree(t *testing.T, src Source, mod func(*Config)) tree {
	t.Helper()
	_, counting := newFake(t)
	cfg := Config{Source: src}
	if mod != nil {
		mod(&cfg)
	}
	fsys, err := New(counting, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close(t.Context()) })
	return tree{fsys: fsys}
}

// TestConnectorDecisionsObserved: every decision of the connector on a
// change reaches the observer with the connector's label; changes of a
// tree without a connector report nothing.
func TestConnectorDecisionsObserved(t *testing.T) {
	rec := &decisions{}
	conn := testConnector(t, "out", "readwrite", testBucket+"/results/*")
	h := newTree(t, Source{}, func(c *Config) {
		c.Connector = conn
		c.Observer = rec
	})
	if err := h.fsys.mayChange(acl.OpWrite, testBucket, "results/a"); err != nil {
		t.Fatalf("write under results/: %v", err)
	}
	if err := h.fsys.mayChange(acl.OpDelete, testBucket, "raw/b"); err == nil {
		t.Fatal("delete outside the patterns allowed")
	}
	if err := h.fsys.mayRename(testBucket, "results/a", h.fsys, testBucket, "raw/a"); err == nil {
		t.Fatal("rename out of the patterns allowed")
	}
	want := []string{"out:allowed", "out:denied", "out:denied"}
	if !slices.Equal(rec.got, want) {
		t.Fatalf("decisions %v, want %v", rec.got, want)
	}

	plain := &decisions{}
	h2 := newTree(t, Source{Bucket: testBucket}, func(c *Config) { c.Observer = plain })
	h2.fsys.mayChange(acl.OpWrite, testBucket, "x")
	if len(plain.got) != 0 {
		t.Fatalf("a tree without a connector reported decisions %v", plain.got)
	}
}

var testConnector = testkit.Connector
