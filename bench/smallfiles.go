//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const smallReaders = 16

// parallel runs fn on every item with smallReaders workers and returns the
// first error.
func parallel(items []string, fn func(string) error) error {
	work := make(chan string)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range smallReaders {
		wg.Go(func() {
			for it := range work {
				if err := fn(it); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
	return first
}

// readSmallFiles lists dir through the mount, as a data loader does, then
// reads every file with 16 readers; it returns files per second and
// checks each file's size.
func readSmallFiles(dir string, count, size int) (float64, error) {
	start := time.Now()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	if len(entries) != count {
		return 0, fmt.Errorf("%s has %d entries, want %d", dir, len(entries), count)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = filepath.Join(dir, e.Name())
	}
	err = parallel(names, func(path string) error {
		b, err := os.ReadFile(path)
		if err == nil && len(b) != size {
			err = fmt.Errorf("%s: %d bytes, want %d", path, len(b), size)
		}
		return err
	})
	return float64(count) / time.Since(start).Seconds(), err
}

// rawSmallFiles is the same with ListObjectsV2 and 16-way GetObject.
func (e *env) rawSmallFiles(ctx context.Context, prefix string, count, size int) (float64, error) {
	start := time.Now()
	_, keys, err := e.rawList(ctx, prefix)
	if err != nil {
		return 0, err
	}
	if len(keys) != count {
		return 0, fmt.Errorf("%s has %d keys, want %d", prefix, len(keys), count)
	}
	err = parallel(keys, func(key string) error {
		out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(key)})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if err == nil && len(b) != size {
			err = fmt.Errorf("%s: %d bytes, want %d", key, len(b), size)
		}
		return err
	})
	return float64(count) / time.Since(start).Seconds(), err
}

// readSmallFilesSequential lists dir through the mount and reads every
// file with one reader in listing order, as `tar c` or `cat dir/*` does:
// the workload the data-loader prefetch (vfs/prefetch.go) serves. It
// returns files per second.
func readSmallFilesSequential(dir string, count, size int) (float64, error) {
	start := time.Now()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	if len(entries) != count {
		return 0, fmt.Errorf("%s has %d entries, want %d", dir, len(entries), count)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if len(b) != size {
			return 0, fmt.Errorf("%s: %d bytes, want %d", path, len(b), size)
		}
	}
	return float64(count) / time.Since(start).Seconds(), nil
}

// rawSmallFilesSequential is the same with ListObjectsV2 and one
// GetObject after another.
func (e *env) rawSmallFilesSequential(ctx context.Context, prefix string, count, size int) (float64, error) {
	start := time.Now()
	_, keys, err := e.rawList(ctx, prefix)
	if err != nil {
		return 0, err
	}
	if len(keys) != count {
		return 0, fmt.Errorf("%s has %d keys, want %d", prefix, len(keys), count)
	}
	for _, key := range keys {
		out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(key)})
		if err != nil {
			return 0, err
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err == nil && len(b) != size {
			err = fmt.Errorf("%s: %d bytes, want %d", key, len(b), size)
		}
		if err != nil {
			return 0, err
		}
	}
	return float64(count) / time.Since(start).Seconds(), nil
}

// prefetchNote summarises the data-loader prefetch from a mount's log
// (its "cache statistics" line): files prefetched, and how many of them
// were opened while their first block was cached or in flight.
func prefetchNote(log string) string {
	var issued, hits, wasted string
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, "cache statistics") {
			continue
		}
		for _, f := range strings.Fields(l) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "file_prefetch_issued":
				issued = v
			case "file_prefetch_hits":
				hits = v
			case "file_prefetch_wasted":
				wasted = v
			}
		}
	}
	if issued == "" {
		return "no prefetch figures in the log"
	}
	return fmt.Sprintf("prefetched %s files, %s hits, %s wasted", issued, hits, wasted)
}
