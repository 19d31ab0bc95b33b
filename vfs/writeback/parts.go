package writeback

import (
	"context"
	"sync"
	"time"

	"github.com/objfs/objfs/remote"
)

// abortTimeout bounds the AbortMultipartUpload sent after a failure.
const abortTimeout = 30 * time.Second

// runParts runs part(i) for i in [0, n) with the mount's upload concurrency
// and returns the parts in order, or the first error.
func (u *Uploader) runParts(ctx context.Context, n int, part func(i int) (remote.Part, error)) ([]remote.Part, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := make([]remote.Part, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := u.withSlot(ctx, func() error {
				p, err := part(i)
				parts[i] = p
				return err
			})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return parts, firstErr
}

// complete finishes a multipart upload whose parts are done (or failed
// with partErr), aborting it on any failure.
func (u *Uploader) complete(ctx context.Context, bucket, key, id string, parts []remote.Part, partErr error, excl bool, size int64) (remote.ObjectInfo, error) {
	err := partErr
	if err == nil {
		var info remote.ObjectInfo
		info, err = u.client.CompleteMultipart(ctx, remote.CompleteMultipartRequest{
			Bucket: bucket, Key: key, UploadID: id, Parts: parts, IfNoneMatch: excl,
		})
		if err == nil {
			info.Size = size
			return info, nil
		}
	}
	u.abort(ctx, bucket, key, id)
	return remote.ObjectInfo{}, err
}
