package vfs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// renameWorkers bounds the server-side copies (and then deletes) one
// directory rename runs at once.
const renameWorkers = 8

// renameDir moves every key under the source prefix: files being written
// below it are committed first, then every key is copied (in parallel,
// bounded), and only when all copies succeeded is every source key
// deleted. It is not atomic: a failure during the copies deletes the
// copies made and leaves the source as it was; a failure during the
// deletes leaves both trees partly (EIO, logged). Replacing a directory
// is allowed only when it is empty: in S3, and with no file being created
// in it (ENOTEMPTY otherwise, as rmdir).
func (f *FS) renameDir(ctx context.Context, a renameArgs) error {
	bucket := a.src.bucket
	if strings.HasPrefix(a.dstKey, a.srcKey) {
		return ErrInvalid // into itself (the kernel checks this too)
	}
	if a.dstExists {
		if d, _ := a.dst.childNode(a.newName).(*Dir); d != nil && hasLocalBelow(d) {
			return ErrNotEmpty // files are being created there: not in S3 yet
		}
		empty, err := f.dirEmpty(ctx, bucket, a.dstKey)
		if err != nil {
			return err
		}
		if !empty {
			return ErrNotEmpty
		}
	}
	srcDir, _ := a.srcNode.(*Dir)
	files := filesBelow(srcDir)
	defer lockFiles(files...)()
	if err := commitAll(ctx, files); err != nil {
		return writeFailed("rename", err)
	}
	objs, err := listAll(ctx, f.client, bucket, a.srcKey)
	if err != nil {
		return err
	}
	copies, err := f.copyTree(ctx, bucket, objs, a.srcKey, a.dstKey)
	if err != nil {
		return writeFailed("rename", err)
	}
	if err := f.deleteKeys(ctx, bucket, objs); err != nil {
		f.log.Error("rename: directory copied but not every source key deleted; both names hold keys",
			"bucket", bucket, "from", a.srcKey, "to", a.dstKey, "err", err)
		f.noteInvalidate(bucket, a.srcKey)
		return writeFailed("rename", err)
	}
	f.retire()
	if srcDir != nil {
		srcDir.movedTo(a.srcKey, a.dstKey, copies)
	}
	a.src.moveChild(a.name, a.dst, a.newName)
	f.noteTreeMoved(bucket, a.srcKey, a.dstKey, objs)
	return nil
}

// hasLocalBelow reports whether files are being created in d or below
// it (they are not in S3 yet: rmdir and renaming over d must see them).
func hasLocalBelow(d *Dir) bool {
	for _, fn := range filesBelow(d) {
		if fn.isLocal() {
			return true
		}
	}
	return false
}

// filesBelow returns the file nodes the tree has below d (lockFiles
// orders them).
func filesBelow(d *Dir) []*File {
	var out []*File
	var walk func(d *Dir)
	walk = func(d *Dir) {
		for _, ch := range d.childList() {
			switch op := ch.(type) {
			case *Dir:
				walk(op)
			case *File:
				out = append(out, op)
			}
		}
	}
	if d != nil {
		walk(d)
	}
	return out
}

// commitAll commits the files' changes (their io locks are held).
func commitAll(ctx context.Context, files []*File) error {
	for _, fn := range files {
		fn.mu.Lock()
		w, unlinked := fn.wr.w, fn.wr.unlinked
		fn.mu.Unlock()
		if w == nil || unlinked || !w.Dirty() {
			continue
		}
		if _, err := fn.commitWriter(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies every object under src to the same relative key under
// dst and returns the copies by new key. On a failure the copies made are
// deleted again (best effort) and the error returned.
func (f *FS) copyTree(ctx context.Context, bucket string, objs []remote.ObjectInfo, src, dst string) (map[string]remote.ObjectInfo, error) {
	var mu sync.Mutex
	copies := make(map[string]remote.ObjectInfo, len(objs))
	err := forEach(ctx, objs, func(ctx context.Context, o remote.ObjectInfo) error {
		key := dst + strings.TrimPrefix(o.Key, src)
		info, err := f.writes.up.Copy(ctx, writeback.CopySpec{
			SrcBucket: bucket, SrcKey: o.Key, SrcETag: o.ETag, Size: o.Size, DstBucket: bucket, DstKey: key,
		})
		if err != nil {
			return fmt.Errorf("copy %s to %s: %w", o.Key, key, err)
		}
		info.Key, info.Size = key, o.Size
		mu.Lock()
		copies[key] = info
		mu.Unlock()
		return nil
	})
	if err != nil {
		made := make([]remote.ObjectInfo, 0, len(copies))
		for _, c := range copies {
			made = append(made, c)
		}
		if derr := f.deleteKeys(context.WithoutCancel(ctx), bucket, made); derr != nil {
			f.log.Error("rename: could not remove the partial copy", "bucket", bucket, "prefix", dst, "err", derr)
		}
		return nil, err
	}
	return copies, nil
}

// deleteKeys deletes the objects, in parallel (bounded).
func (f *FS) deleteKeys(ctx context.Context, bucket string, objs []remote.ObjectInfo) error {
	return forEach(ctx, objs, func(ctx context.Context, o remote.ObjectInfo) error {
		return f.client.Delete(ctx, bucket, o.Key)
	})
}

// forEach runs fn for every item with renameWorkers at once, stopping at
// the first error, which it returns.
func forEach[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan T)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range min(renameWorkers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if err := fn(ctx, it); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		firstErr = ctx.Err()
	}
	return firstErr
}

// movedTo moves the directory node and every node below it that the tree
// has from prefix src to dst: directories get their new prefix (and cache
// view), files their new key, and the writers of open files follow their
// (committed) object.
func (d *Dir) movedTo(src, dst string, copies map[string]remote.ObjectInfo) {
	d.setPrefix(dst + strings.TrimPrefix(d.prefix(), src))
	for _, ch := range d.childList() {
		switch op := ch.(type) {
		case *Dir:
			op.movedTo(src, dst, copies)
		case *File:
			newKey := dst + strings.TrimPrefix(op.objKey(), src)
			info, ok := copies[newKey]
			if !ok { // S3 did not have it: nothing of it moved
				op.setKey(newKey)
				op.invalidate()
				continue
			}
			op.moved(op.snapshot().name, newKey, info, remote.ObjectInfo{Size: info.Size})
		case *Symlink:
			newKey := dst + strings.TrimPrefix(op.objKey(), src)
			op.movedKey(newKey, copies[newKey].ETag)
		}
	}
}

// noteTreeMoved makes a directory rename visible: the source directory
// and every key under it are gone, the target directory exists, and what
// is cached under the target prefix is dropped (it may say "missing").
func (f *FS) noteTreeMoved(bucket, src, dst string, objs []remote.ObjectInfo) {
	for _, o := range objs {
		f.noteRemove(bucket, o.Key)
		f.noteInvalidate(bucket, dst+strings.TrimPrefix(o.Key, src))
		dir, seg := splitKey(o.Key)
		if base, isLink := linkName(seg); isLink { // cached by name, as the listing reads it
			name := dir + base
			f.noteRemove(bucket, name)
			f.noteInvalidate(bucket, dst+strings.TrimPrefix(name, src))
		}
	}
	f.noteRemove(bucket, src)
	f.noteInvalidate(bucket, dst)
	f.noteUpsert(bucket, dst, true, 0, f.cfg.Clock(), "")
}

// splitKey splits key after its last "/": the directory prefix and the
// last segment.
func splitKey(key string) (dir, seg string) {
	i := strings.LastIndexByte(key, '/') + 1
	return key[:i], key[i:]
}
