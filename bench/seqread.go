//go:build linux

package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ioSize is the read(2) and write(2) size of the sequential reader and
// writer (-io-size; 1 MiB, the st_blksize objfs reports, by default):
// with a page cache a read's FUSE requests follow the kernel's
// readahead, but each write(2) is one WRITE request at most, so only a
// writer with large buffers (dd bs=16M) sends requests over 1 MiB. Set
// once by parseFlags, before any workload runs.
var ioSize = 1 << 20

const (
	rangeSize    = 8 << 20 // raw parallel reader: bytes per ranged GET
	rangeWorkers = 8       // raw parallel reader: GETs in flight
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seqResult is one sequential read: throughput and a checksum of the
// bytes, so that objfs's bytes are checked against S3's.
type seqResult struct {
	mbps  float64
	bytes int64
	crc   uint32
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

// readFileSeq reads path from start to end in ioSize reads.
func readFileSeq(path string) (seqResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return seqResult{}, err
	}
	defer f.Close()
	return timedCopy(f)
}

// timedCopy reads r to the end, checksumming.
func timedCopy(r io.Reader) (seqResult, error) {
	start := time.Now()
	h := crc32.New(castagnoli)
	// struct{ io.Reader } hides *os.File's WriteTo, which would read in
	// 32 KiB chunks instead of ioSize.
	n, err := io.CopyBuffer(h, struct{ io.Reader }{r}, make([]byte, ioSize))
	if err != nil {
		return seqResult{}, err
	}
	return seqResult{mbps: mbps(n, time.Since(start)), bytes: n, crc: h.Sum32()}, nil
}

// rawSeqStream reads key with one streaming GET.
func (e *env) rawSeqStream(ctx context.Context, key string) (seqResult, error) {
	start := time.Now()
	out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(key)})
	if err != nil {
		return seqResult{}, err
	}
	defer out.Body.Close()
	res, err := timedCopy(out.Body)
	res.mbps = mbps(res.bytes, time.Since(start))
	return res, err
}

// rawSeqParallel reads key of size bytes with rangeWorkers ranged GETs of
// rangeSize in flight, as the SDK's download manager does (no checksum:
// the ranges complete out of order).
func (e *env) rawSeqParallel(ctx context.Context, key string, size int64) (float64, error) {
	start := time.Now()
	var next, total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, rangeWorkers)
	for range rangeWorkers {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			for {
				off := next.Add(rangeSize) - rangeSize
				if off >= size {
					return
				}
				n, err := e.getRange(ctx, key, off, min(rangeSize, size-off), buf)
				if err != nil {
					errs <- err
					return
				}
				total.Add(n)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	if total.Load() != size {
		return 0, fmt.Errorf("parallel read got %d bytes of %d", total.Load(), size)
	}
	return mbps(size, time.Since(start)), nil
}

// getRange GETs [off, off+n) of key and discards it through buf,
// returning the bytes read.
func (e *env) getRange(ctx context.Context, key string, off, n int64, buf []byte) (int64, error) {
	out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(benchBucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	})
	if err != nil {
		return 0, err
	}
	defer out.Body.Close()
	return io.CopyBuffer(io.Discard, out.Body, buf)
}
