package remote

import (
	"context"
	"sync"
)

// AnyOp, given to FailNext or SetHook, matches every operation.
const AnyOp = "*"

// faults holds the Fake's injected failures and hooks.
type faults struct {
	mu    sync.Mutex                                            // guards the maps
	fails map[string]*pendingFault                              // by op or AnyOp
	hooks map[string]func(ctx context.Context, op string) error // by op or AnyOp
}

type pendingFault struct {
	err  error
	left int
}

// FailNext makes the next n calls of op (an Op* name, or AnyOp) fail with
// err before touching any state; the returned error wraps err, so pass a
// sentinel such as ErrTransient to exercise callers' classification. n <= 0
// clears the pending failures of op. A later FailNext for the same op
// replaces the earlier one.
func (f *Fake) FailNext(op string, err error, n int) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	if n <= 0 {
		delete(f.faults.fails, op)
		return
	}
	if f.faults.fails == nil {
		f.faults.fails = make(map[string]*pendingFault)
	}
	f.faults.fails[op] = &pendingFault{err: err, left: n}
}

// SetHook runs hook at the start of every call of op (or of every call,
// for AnyOp), after pending FailNext faults. A non-nil result fails the
// call. Hooks can block (until ctx is done, to test cancellation), count
// or delay calls. A nil hook removes it.
func (f *Fake) SetHook(op string, hook func(ctx context.Context, op string) error) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	if hook == nil {
		delete(f.faults.hooks, op)
		return
	}
	if f.faults.hooks == nil {
		f.faults.hooks = make(map[string]func(context.Context, string) error)
	}
	f.faults.hooks[op] = hook
}

// check consumes a pending fault for op or runs its hooks.
func (fs *faults) check(ctx context.Context, op string) error {
	if err := fs.take(op); err != nil {
		return err
	}
	for _, hook := range fs.hooksFor(op) {
		if err := hook(ctx, op); err != nil {
			return err
		}
	}
	return nil
}

func (fs *faults) take(op string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, name := range []string{op, AnyOp} {
		p := fs.fails[name]
		if p == nil {
			continue
		}
		if p.left--; p.left <= 0 {
			delete(fs.fails, name)
		}
		return p.err
	}
	return nil
}

func (fs *faults) hooksFor(op string) []func(context.Context, string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []func(context.Context, string) error
	for _, name := range []string{op, AnyOp} {
		if h := fs.hooks[name]; h != nil {
			out = append(out, h)
		}
	}
	return out
}
