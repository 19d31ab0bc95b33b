//go:build linux

package main

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"
)

const (
	randomReaders = 4
	randomSize    = 4 << 10
)

// randomResult is IOPS and the 99th percentile latency of one run.
type randomResult struct {
	iops float64
	p99  time.Duration
}

// randomRun runs randomReaders goroutines for d, each calling read with
// random randomSize-aligned offsets below size, and collects latencies.
func randomRun(size int64, d time.Duration, newReader func(worker int) (func(off int64) error, func(), error)) (randomResult, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var first error
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range randomReaders {
		read, done, err := newReader(w)
		if err != nil {
			return randomResult{}, err
		}
		wg.Go(func() {
			defer done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				off := rng.Int64N(size/randomSize) * randomSize
				t0 := time.Now()
				if err := read(off); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if first != nil {
		return randomResult{}, first
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	res := randomResult{iops: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		res.p99 = lat[len(lat)*99/100]
	}
	return res, nil
}

// randomFile reads path through the mount: one descriptor per reader,
// pread of randomSize bytes.
func randomFile(path string, size int64, d time.Duration) (randomResult, error) {
	return randomRun(size, d, func(int) (func(int64) error, func(), error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		buf := make([]byte, randomSize)
		read := func(off int64) error {
			_, err := f.ReadAt(buf, off)
			return err
		}
		return read, func() { f.Close() }, nil
	})
}

// rawRandom does the same with ranged GETs.
func (e *env) rawRandom(ctx context.Context, key string, size int64, d time.Duration) (randomResult, error) {
	return randomRun(size, d, func(int) (func(int64) error, func(), error) {
		buf := make([]byte, randomSize)
		read := func(off int64) error {
			_, err := e.getRange(ctx, key, off, randomSize, buf)
			return err
		}
		return read, func() {}, nil
	})
}
