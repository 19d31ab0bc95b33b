package writeback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// Uploader is the per-mount write path: it hands out Writers and owns what
// they share (see the package doc).
type Uploader struct {
	client remote.Client
	cfg    Config
	mem    *budget
	bufs   *bufPool      // part buffers for reuse
	slots  chan struct{} // one token per part upload in flight

	// ctx bounds background part uploads; cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc

	// orphans retries the aborts of multipart uploads that failed (the
	// server was down): none may be left behind.
	orphans *orphans

	mu      sync.Mutex
	writers map[*Writer]struct{} // guarded by mu: live writers
}

// New returns an Uploader. It sends no request and creates nothing:
// cfg.StageDir is created when the first file is staged.
func New(client remote.Client, cfg Config) (*Uploader, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &Uploader{
		client:  client,
		cfg:     cfg,
		mem:     newBudget(cfg.MemBytes),
		bufs:    newBufPool(cfg.PartSize, cfg.MemBytes),
		slots:   make(chan struct{}, cfg.Concurrency),
		ctx:     ctx,
		cancel:  cancel,
		writers: make(map[*Writer]struct{}),
	}
	u.orphans = newOrphans(u)
	return u, nil
}

// Create returns a writer for a new, empty object (a created file, or one
// opened with O_TRUNC). With excl the first commit fails with
// remote.ErrPreconditionFailed if the key appeared in the meantime.
func (u *Uploader) Create(bucket, key string, excl bool) *Writer {
	w := u.newWriter(bucket, key, remote.ObjectInfo{})
	w.excl = excl
	w.dirty = true // an empty file is still a file to create
	w.mtime = u.cfg.Clock()
	w.dirtySince = w.mtime
	return w
}

// Open returns a writer over an existing object; nothing is read or
// written until the first write, read or truncate.
func (u *Uploader) Open(bucket, key string, base remote.ObjectInfo) *Writer {
	return u.newWriter(bucket, key, base)
}

func (u *Uploader) newWriter(bucket, key string, base remote.ObjectInfo) *Writer {
	w := &Writer{u: u, bucket: bucket, key: key}
	w.setBase(base)
	u.mu.Lock()
	u.writers[w] = struct{}{}
	u.mu.Unlock()
	return w
}

func (u *Uploader) forget(w *Writer) {
	u.mu.Lock()
	delete(u.writers, w)
	u.mu.Unlock()
}

// Pending describes data accepted by writers but not yet acknowledged by S3.
type Pending struct {
	Files int
	Bytes int64
	// Oldest is when the longest-waiting of them began to differ from
	// what S3 holds (zero when nothing is pending).
	Oldest time.Time
}

// Add sums q into p, keeping the earlier Oldest.
func (p *Pending) Add(q Pending) {
	p.Files += q.Files
	p.Bytes += q.Bytes
	if !q.Oldest.IsZero() && (p.Oldest.IsZero() || q.Oldest.Before(p.Oldest)) {
		p.Oldest = q.Oldest
	}
}

// Pending reports the writers holding uncommitted data.
func (u *Uploader) Pending() Pending {
	var p Pending
	for _, w := range u.live() {
		if n, since, dirty := w.pendingBytes(); dirty {
			p.Add(Pending{Files: 1, Bytes: n, Oldest: since})
		}
	}
	return p
}

// MemInUse reports the bytes of write buffers currently held.
func (u *Uploader) MemInUse() int64 { return u.mem.inUse() }

func (u *Uploader) live() []*Writer {
	u.mu.Lock()
	defer u.mu.Unlock()
	ws := make([]*Writer, 0, len(u.writers))
	for w := range u.writers {
		ws = append(ws, w)
	}
	return ws
}

// CommitAll commits every writer holding uncommitted data (shutdown: the
// process must not exit before S3 has it), then retries the aborts that
// failed earlier. It returns every failure.
func (u *Uploader) CommitAll(ctx context.Context) error {
	var errs []error
	for _, w := range u.live() {
		if !w.Dirty() {
			continue
		}
		if _, err := w.Commit(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", w.bucket, w.Key(), err))
		}
	}
	if err := u.orphans.retry(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close stops background uploads and abort retries. Call CommitAll first.
func (u *Uploader) Close() {
	u.cancel()
}

// withSlot runs fn holding one upload slot.
func (u *Uploader) withSlot(ctx context.Context, fn func() error) error {
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-u.slots }()
	return fn()
}
