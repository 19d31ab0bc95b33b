//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
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
	var par, cold, direct float64
	var parCPU, coldCPU, directCPU cpuTimes // of the best round of each
	var rss int64
	for round := range seqRounds {
		r.drop()
		s, err := r.e.rawSeqStream(ctx, bigKey)
		if err != nil {
			return fmt.Errorf("raw stream: %w", err)
		}
		r.drop()
		before := sampleCPU(0, r.e.srv.Pid())
		p, err := r.e.rawSeqParallel(ctx, bigKey, r.cfg.big)
		if err != nil {
			return fmt.Errorf("raw parallel: %w", err)
		}
		pCPU := sampleCPU(0, r.e.srv.Pid()).since(before)
		c, cCPU, peak, err := r.coldRead(s)
		if err != nil {
			return err
		}
		d, dCPU, _, err := r.coldRead(s, "--direct-io")
		if err != nil {
			return err
		}
		logf("cold sequential, round %d: raw one GET %.0f MB/s, %d ranged GETs %.0f MB/s; objfs %.0f MB/s, with --direct-io %.0f MB/s",
			round+1, s.mbps, rangeWorkers, p, c, d)
		if d > direct {
			direct, directCPU = d, dCPU
		}
		if s.mbps > stream.mbps {
			stream = s
		}
		if p > par {
			par, parCPU = p, pCPU
		}
		if c > cold {
			cold, coldCPU = c, cCPU
		}
		rss = max(rss, peak)
	}
	raw := math.Max(stream.mbps, par)
	r.add(row{workload: "1. cold sequential read " + fmtSize(r.cfg.big), unit: "MB/s", objfs: cold, raw: raw,
		goal: ">= 0.9x raw", met: judge(cold >= 0.9*raw),
		note: fmt.Sprintf("best of %d; raw: 1 GET %.0f, %d ranged GETs of %d MiB %.0f", seqRounds, stream.mbps, rangeWorkers, rangeSize>>20, par)})
	r.addCPU("1b. CPU per GiB during 1", coldCPU, parCPU, r.cfg.big)
	r.add(row{workload: "1c. cold sequential, --direct-io", unit: "MB/s", objfs: direct, raw: raw,
		note: fmt.Sprintf("best of %d; no page cache: %.2f CPU s/GiB (daemon %.2f, reader %.2f)", seqRounds,
			perGiB(directCPU.self+directCPU.daemon, r.cfg.big), perGiB(directCPU.daemon, r.cfg.big), perGiB(directCPU.self, r.cfg.big))})
	r.addRSS("6a. peak RSS during 1", rss, r.cfg.cacheSize)
	if err := r.warmPhase(ctx, stream, raw, cold); err != nil {
		return err
	}
	return r.seqPeers(stream)
}

// coldRead reads the big object on a fresh mount after dropping the page
// cache (with extra mount args), checks its bytes against S3's, and
// returns MB/s, the CPU the read cost and peak RSS.
func (r *runner) coldRead(want seqResult, args ...string) (float64, cpuTimes, int64, error) {
	m, err := r.mount(args...)
	if err != nil {
		return 0, cpuTimes{}, 0, err
	}
	r.drop()
	if err := m.resetPeakRSS(); err != nil {
		logf("reset peak RSS: %v", err)
	}
	pid, minio := m.cmd.Process.Pid, r.e.srv.Pid()
	before := sampleCPU(pid, minio)
	res, err := readFileSeq(m.path(bigKey))
	used := sampleCPU(pid, minio).since(before)
	if err == nil {
		err = sameBytes(res, want)
	}
	rss, rerr := m.peakRSS()
	if uerr := r.unmount(m, "cold read mount"); err == nil {
		err = errors.Join(rerr, uerr)
	}
	return res.mbps, used, rss, err
}

// addCPU adds the CPU seconds per GiB of a read through objfs (reader and
// daemon) and of the raw read (the SDK client), with MinIO's share and
// the throughput the machine's cores could give if CPU were the only
// limit: that bound, not the network, is what caps a ratio on a machine
// where MinIO shares the cores.
func (r *runner) addCPU(name string, objfs, raw cpuTimes, n int64) {
	cores := float64(runtime.NumCPU())
	bound := func(c cpuTimes) float64 {
		total := (c.self + c.daemon + c.minio).Seconds()
		if total == 0 {
			return na
		}
		return cores * float64(n) / 1e6 / total
	}
	r.add(row{workload: name, unit: "CPU s/GiB", objfs: perGiB(objfs.self+objfs.daemon, n), raw: perGiB(raw.self, n), lowerBetter: true,
		note: fmt.Sprintf("objfs: daemon %.2f (%.0f%% kernel), reader %.2f; MinIO %.2f serving objfs, %.2f raw; CPU-bound on %.0f cores: objfs %.0f MB/s, raw %.0f",
			perGiB(objfs.daemon, n), 100*objfs.daemonSys.Seconds()/max(objfs.daemon.Seconds(), 1e-9), perGiB(objfs.self, n),
			perGiB(objfs.minio, n), perGiB(raw.minio, n), cores, bound(objfs), bound(raw))})
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
	return r.randomPeers()
}
