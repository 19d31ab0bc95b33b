//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

const rssSlack = 64 << 20 // the peak RSS goal: --cache-size + 64 MiB

// seqRounds is how often each cold sequential read runs, interleaved
// (raw stream, raw ranged, objfs); the best of each counts, so that other
// work on the machine skews the ratio less.
const seqRounds = 2

// seqPhase: workloads 1 and 2, the peak RSS during 1, and random reads
// over a warm block cache (while the warm mount is up).
func (r *runner) seqPhase(ctx context.Context) error {
	var stream seqResult
	var par, cold float64
	var rss int64
	for round := range seqRounds {
		r.drop()
		s, err := r.e.rawSeqStream(ctx, bigKey)
		if err != nil {
			return fmt.Errorf("raw stream: %w", err)
		}
		r.drop()
		p, err := r.e.rawSeqParallel(ctx, bigKey, r.cfg.big)
		if err != nil {
			return fmt.Errorf("raw parallel: %w", err)
		}
		c, peak, err := r.coldRead(s)
		if err != nil {
			return err
		}
		logf("cold sequential, round %d: raw one GET %.0f MB/s, %d ranged GETs %.0f MB/s; objfs %.0f MB/s",
			round+1, s.mbps, rangeWorkers, p, c)
		if s.mbps > stream.mbps {
			stream = s
		}
		par, cold, rss = math.Max(par, p), math.Max(cold, c), max(rss, peak)
	}
	raw := math.Max(stream.mbps, par)
	r.add(row{workload: "1. cold sequential read " + fmtSize(r.cfg.big), unit: "MB/s", objfs: cold, raw: raw,
		goal: ">= 0.9x raw", met: judge(cold >= 0.9*raw),
		note: fmt.Sprintf("best of %d; raw: 1 GET %.0f, %d ranged GETs of %d MiB %.0f", seqRounds, stream.mbps, rangeWorkers, rangeSize>>20, par)})
	r.addRSS("6a. peak RSS during 1", rss, r.cfg.cacheSize)
	return r.warmPhase(ctx, stream, raw, cold)
}

// coldRead reads the big object on a fresh mount after dropping the page
// cache, checks its bytes against S3's, and returns MB/s and peak RSS.
func (r *runner) coldRead(want seqResult) (float64, int64, error) {
	m, err := r.mount()
	if err != nil {
		return 0, 0, err
	}
	r.drop()
	if err := m.resetPeakRSS(); err != nil {
		logf("reset peak RSS: %v", err)
	}
	res, err := readFileSeq(m.path(bigKey))
	if err == nil {
		err = sameBytes(res, want)
	}
	rss, rerr := m.peakRSS()
	if uerr := r.unmount(m, "cold read mount"); err == nil {
		err = errors.Join(rerr, uerr)
	}
	return res.mbps, rss, err
}

func sameBytes(got, want seqResult) error {
	if got.bytes != want.bytes || got.crc != want.crc {
		return fmt.Errorf("read through objfs: %d bytes, crc32c %08x; S3 has %d bytes, crc32c %08x", got.bytes, got.crc, want.bytes, want.crc)
	}
	return nil
}

// warmPhase fills a mount whose cache holds the big object, drops the page
// cache and reads again (workload 2), then reads at random over it.
func (r *runner) warmPhase(ctx context.Context, want seqResult, raw, cold float64) error {
	warmCache := (r.cfg.big + 512<<20) &^ (1<<20 - 1)
	m, err := r.mount("--cache-size", fmtSize(warmCache))
	if err != nil {
		return err
	}
	fill, err := readFileSeq(m.path(bigKey))
	if err != nil {
		return err
	}
	r.drop()
	if err := m.resetPeakRSS(); err != nil {
		logf("reset peak RSS: %v", err)
	}
	warm, err := readFileSeq(m.path(bigKey))
	if err == nil {
		err = sameBytes(warm, want)
	}
	if err != nil {
		return err
	}
	rss, _ := m.peakRSS()
	r.add(row{workload: "2. warm re-read (block cache)", unit: "MB/s", objfs: warm.mbps, raw: raw,
		goal: ">= 3x cold", met: judge(warm.mbps >= 3*cold),
		note: fmt.Sprintf("%.1fx cold; --cache-size %s; first read on this mount %.0f MB/s", warm.mbps/cold, fmtSize(warmCache), fill.mbps)})
	r.addRSS("6c. peak RSS during 2", rss, warmCache)
	rnd, err := randomFile(m.path(bigKey), r.cfg.big, r.cfg.randomTime)
	if err != nil {
		return err
	}
	r.drop()
	rawRnd, err := r.e.rawRandom(ctx, bigKey, r.cfg.big, r.cfg.randomTime)
	if err != nil {
		return err
	}
	r.addRandom("3b. random 4K x4, warm block cache", rnd, rawRnd)
	return r.unmount(m, "warm mount")
}

func (r *runner) addRSS(name string, rss, budget int64) {
	r.add(row{workload: name, unit: "MiB", objfs: float64(rss) / (1 << 20), raw: na,
		goal: fmt.Sprintf("<= %d (cache + 64)", (budget+rssSlack)>>20), met: judge(rss <= budget+rssSlack)})
}

func (r *runner) addRandom(name string, got, raw randomResult) {
	r.add(row{workload: name, unit: "IOPS", objfs: got.iops, raw: raw.iops})
	r.add(row{workload: name, unit: "p99 ms", objfs: ms(got.p99), raw: ms(raw.p99), lowerBetter: true})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// randomPhase: workload 3 on a cold mount.
func (r *runner) randomPhase(ctx context.Context) error {
	m, err := r.mount()
	if err != nil {
		return err
	}
	r.drop()
	rnd, err := randomFile(m.path(bigKey), r.cfg.big, r.cfg.randomTime)
	if err != nil {
		return err
	}
	if err := r.unmount(m, "random mount"); err != nil {
		return err
	}
	r.drop()
	raw, err := r.e.rawRandom(ctx, bigKey, r.cfg.big, r.cfg.randomTime)
	if err != nil {
		return err
	}
	r.addRandom("3a. random 4K x4, cold", rnd, raw)
	return nil
}
