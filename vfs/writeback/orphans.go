package writeback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// Abort retries: an upload that fails because the server is unreachable
// cannot be aborted either, and its parts would stay (and be billed) for
// ever. Such uploads are kept here and their abort is retried in the
// background, with a backoff from orphanMinWait to orphanMaxWait, until it
// succeeds or the Uploader closes; CommitAll tries once more.
const (
	orphanMinWait = time.Second
	orphanMaxWait = 30 * time.Second
)

type orphan struct{ bucket, key, id string }

type orphans struct {
	u *Uploader

	mu      sync.Mutex
	pending map[orphan]struct{} // guarded by mu
	running bool                // guarded by mu: the retry loop is started
}

func newOrphans(u *Uploader) *orphans {
	return &orphans{u: u, pending: make(map[orphan]struct{})}
}

// add records an upload whose abort failed and starts the retry loop.
func (o *orphans) add(bucket, key, id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending[orphan{bucket, key, id}] = struct{}{}
	if !o.running {
		o.running = true
		go o.loop()
	}
}

// Orphans reports how many multipart uploads still wait for their abort.
func (u *Uploader) Orphans() int {
	u.orphans.mu.Lock()
	defer u.orphans.mu.Unlock()
	return len(u.orphans.pending)
}

func (o *orphans) loop() {
	wait := orphanMinWait
	for {
		t := time.NewTimer(wait)
		select {
		case <-o.u.ctx.Done():
			t.Stop()
			o.stop()
			return
		case <-t.C:
		}
		if o.retry(o.u.ctx) == nil {
			if o.stopIfEmpty() {
				return
			}
			wait = orphanMinWait
			continue
		}
		wait = min(2*wait, orphanMaxWait)
	}
}

func (o *orphans) stop() {
	o.mu.Lock()
	o.running = false
	o.mu.Unlock()
}

func (o *orphans) stopIfEmpty() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 {
		o.running = false
		return true
	}
	return false
}

// retry tries every pending abort once; an upload the server no longer
// knows is done with.
func (o *orphans) retry(ctx context.Context) error {
	o.mu.Lock()
	list := make([]orphan, 0, len(o.pending))
	for p := range o.pending {
		list = append(list, p)
	}
	o.mu.Unlock()
	var errs []error
	for _, p := range list {
		actx, cancel := context.WithTimeout(ctx, abortTimeout)
		err := o.u.client.AbortMultipart(actx, p.bucket, p.key, p.id)
		cancel()
		if err != nil && !errors.Is(err, remote.ErrNotFound) {
			errs = append(errs, fmt.Errorf("abort multipart upload %s of %s/%s: %w", p.id, p.bucket, p.key, err))
			continue
		}
		o.u.cfg.Logger.Info("aborted a multipart upload left by a failed write", "bucket", p.bucket, "key", p.key, "upload", p.id)
		o.mu.Lock()
		delete(o.pending, p)
		o.mu.Unlock()
	}
	return errors.Join(errs...)
}

// abort aborts a multipart upload after a failure, detached from ctx's
// cancellation; when that fails too the abort is retried later.
func (u *Uploader) abort(ctx context.Context, bucket, key, id string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if err := u.client.AbortMultipart(actx, bucket, key, id); err != nil && !errors.Is(err, remote.ErrNotFound) {
		u.cfg.Logger.Warn("aborting multipart upload failed; will retry", "bucket", bucket, "key", key, "upload", id, "err", err)
		u.orphans.add(bucket, key, id)
	}
}
