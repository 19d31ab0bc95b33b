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
	lost  map[string]int                                        // answers still to lose, by op or AnyOp
	// repeatToken makes List answer a continuation token with itself.
	repeatToken bool
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

// RepeatListToken makes every List call that is given a continuation
// token answer with that same token as its NextToken (its entries are
// the page's as usual), as a broken server stuck on a page does: a
// client that follows tokens blindly loops forever, one that stops at
// the repeat sees a partial listing. The first page (no token) is
// unchanged. false restores normal paging.
func (f *Fake) RepeatListToken(on bool) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	f.faults.repeatToken = on
}

func (fs *faults) repeatingToken() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.repeatToken
}

// LoseAnswer makes the next n calls of op (or of any write, for AnyOp) take
// effect and then fail with ErrTransient, as when the connection drops
// after the server applied a request but before its answer arrived: the
// case a retry cannot tell from a request that never arrived. Only writes
// honour it (Put, Copy, Delete, CreateBucket, DeleteBucket and the
// multipart calls but ListMultipartUploads); losing a read's answer is
// FailNext. The answer is lost whatever it was, success or error; calls
// that FailNext or a hook failed first do not count. n <= 0 clears it.
func (f *Fake) LoseAnswer(op string, n int) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	if n <= 0 {
		delete(f.faults.lost, op)
		return
	}
	if f.faults.lost == nil {
		f.faults.lost = make(map[string]int)
	}
	f.faults.lost[op] = n
}

// takeLost consumes one pending lost answer for op.
func (fs *faults) takeLost(op string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, name := range []string{op, AnyOp} {
		if fs.lost[name] <= 0 {
			continue
		}
		if fs.lost[name]--; fs.lost[name] == 0 {
			delete(fs.lost, name)
		}
		return true
	}
	return false
}

// loseAnswer is deferred by the Fake's writes once begin has passed, ahead
// of their defer f.mu.Unlock so that it runs after the lock is released:
// with a lost answer pending for op, the call's result becomes a
// transient failure while its effect on the state stays.
func loseAnswer[T any](f *Fake, op, bucket, key string, v *T, err *error) {
	if !f.faults.takeLost(op) {
		return
	}
	var zero T
	*v = zero
	*err = &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrTransient, Message: "injected lost answer"}
}

// loseAnswerErr is loseAnswer for calls that return only an error.
func loseAnswerErr(f *Fake, op, bucket, key string, err *error) {
	var none struct{}
	loseAnswer(f, op, bucket, key, &none, err)
}
