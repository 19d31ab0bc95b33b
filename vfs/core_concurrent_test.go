package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
)

// TestCoreRenameOppositeNoDeadlock (issue #10, item 6): two goroutines
// rename A→B and B→A in a loop (until one succeeded iterations times,
// bounded by a context) while a third creates A whenever it is
// missing, so that both names often have a node and each rename takes the
// io locks of its source and its target (a read handle keeps the first
// file open throughout). Every file holds the same bytes. The test fails,
// with every goroutine's stack, if the renames do not end within the
// watchdog's time (a deadlock), and fails if S3 ever holds neither name
// (a lost file), if any object under either name holds other bytes, or if
// a rename fails otherwise than by finding its source already gone
// (ErrNotExist) or moving an exclusive create that lost (ErrExist).
func TestCoreRenameOppositeNoDeadlock(t *testing.T) {
	const (
		iterations = 200
		bound      = 30 * time.Second
		watchdog   = bound + 15*time.Second
	)
	c := newCoreFS(t, false) // closed below, unless deadlocked
	root := c.fsys.Root()
	data := pattern(2*testBlock, 17)
	put(t, c.fake, "A", data, nil)
	rh := openRead(t, lookupFile(t, root, "A"))
	if got := readAt(t, rh, 0, testBlock); !bytes.Equal(got, data[:testBlock]) {
		t.Fatal("first block differs")
	}

	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	var (
		mu       sync.Mutex
		problems []string
		renamed  [2]int
		finished [2]atomic.Bool
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	rename := func(i int, from, to string) {
		// A direction can only progress while the other one does: stop
		// at iterations successes, or when the other direction stopped.
		defer finished[i].Store(true)
		for done := 0; done < iterations && ctx.Err() == nil && !finished[1-i].Load(); {
			err := root.Rename(ctx, from, root, to, 0)
			switch {
			case err == nil:
				done++
				mu.Lock()
				renamed[i]++
				mu.Unlock()
			case errors.Is(err, ErrNotExist):
				// the other rename moved the source away first
				time.Sleep(20 * time.Microsecond)
			case errors.Is(err, ErrExist) && from == "A":
				// the source was the creator's exclusive create, not
				// committed yet, and a rename put A into S3 meanwhile:
				// committing it first (as a rename does) is refused,
				// as its own flush would be
				time.Sleep(20 * time.Microsecond)
			default:
				report("rename %s→%s: %v", from, to, err)
			}
		}
	}

	var renamers, others sync.WaitGroup
	stop := make(chan struct{})
	renamers.Add(2)
	go func() { defer renamers.Done(); rename(0, "A", "B") }()
	go func() { defer renamers.Done(); rename(1, "B", "A") }()
	others.Add(2)
	go func() { // the creator
		defer others.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := root.Lookup(ctx, "A"); !errors.Is(err, ErrNotExist) {
				if err != nil && ctx.Err() == nil {
					report("lookup A: %v", err)
				}
				time.Sleep(20 * time.Microsecond)
				continue
			}
			_, wh, err := root.Create(ctx, "A", true)
			if err != nil {
				if !errors.Is(err, ErrExist) {
					report("create A: %v", err)
				}
				continue
			}
			// ErrExist: a rename put A there first (the write fails when
			// a rename already tried to commit the file for it).
			if _, err := wh.Write(ctx, data, 0); err != nil && !errors.Is(err, ErrExist) {
				report("write A: %v", err)
			}
			if err := wh.Flush(ctx); err != nil && !errors.Is(err, ErrExist) {
				report("flush A: %v", err)
			}
			wh.Release(ctx)
		}
	}()
	go func() { // the checker: S3 never holds neither name
		defer others.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			page, err := c.fake.List(context.Background(), remote.ListRequest{Bucket: testBucket})
			if err != nil {
				report("list: %v", err)
				return
			}
			if !slices.ContainsFunc(page.Objects, func(o remote.ObjectInfo) bool { return o.Key == "A" || o.Key == "B" }) {
				report("S3 holds neither A nor B: the file was lost")
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()

	done := make(chan struct{})
	go func() {
		renamers.Wait()
		close(stop)
		others.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(watchdog):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("renames A→B and B→A still running after %v (deadlock?); goroutines:\n%s", watchdog, buf)
	}
	defer func() {
		if err := c.fsys.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if ctx.Err() != nil {
		t.Errorf("the renames did not end within %v", bound)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("renames done: A→B %d, B→A %d", renamed[0], renamed[1])
	if max(renamed[0], renamed[1]) < iterations || min(renamed[0], renamed[1]) == 0 {
		t.Errorf("renames A→B %d, B→A %d: one direction must succeed %d times, each at least once", renamed[0], renamed[1], iterations)
	}

	// What S3 holds under either name is whole, and one of them is there.
	held := 0
	for _, key := range []string{"A", "B"} {
		if got, ok := stored(t, c.fake, key); ok {
			held++
			if !bytes.Equal(got, data) {
				t.Errorf("%s holds %d bytes that differ from the original", key, len(got))
			}
		}
	}
	if held == 0 {
		t.Fatal("neither A nor B is in S3: the file was lost")
	}
	// The handle opened first still reads the original bytes.
	if got := readAt(t, rh, testBlock, testBlock); !bytes.Equal(got, data[testBlock:]) {
		t.Error("the open read handle reads other bytes after the renames")
	}
	rh.Release(context.Background())

	// Quiet now: one more rename leaves exactly one name, and the tree
	// agrees with S3.
	if held == 2 {
		if err := root.Rename(context.Background(), "A", root, "B", 0); err != nil {
			t.Fatalf("final rename A→B: %v", err)
		}
	}
	_, hasA := stored(t, c.fake, "A")
	b, hasB := stored(t, c.fake, "B")
	a, _ := stored(t, c.fake, "A")
	switch {
	case hasA && hasB:
		t.Fatal("both A and B are in S3")
	case hasA && !bytes.Equal(a, data), hasB && !bytes.Equal(b, data):
		t.Fatal("the remaining file holds other bytes")
	}
	name, gone := "A", "B"
	if hasB {
		name, gone = "B", "A"
	}
	f := lookupFile(t, root, name)
	if a, err := f.Attr(context.Background()); err != nil || a.Size != int64(len(data)) {
		t.Errorf("attr of %s %+v, %v; want size %d", name, a, err, len(data))
	}
	mustNotExist(t, root, gone)
}
