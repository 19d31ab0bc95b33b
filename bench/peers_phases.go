//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// The peers' runs of workloads 1 to 8 (9 to 12 run them in
// phases_more.go): the same work as objfs's, on a fresh mount of each
// peer, recorded on objfs's rows.

// seqPeers: workload 1 (and the peak RSS, 6a), then on the same mount
// the re-read from the peer's cache (2) and random reads over it (3b).
func (r *runner) seqPeers(want seqResult) error {
	return r.forPeers("sequential", 0, func(p string, m *mount) error {
		r.drop()
		if err := m.resetPeakRSS(); err != nil {
			logf("reset peak RSS: %v", err)
		}
		cold, err := readFileSeq(m.path(bigKey))
		if err == nil {
			err = sameBytes(cold, want)
		}
		if err != nil {
			return err
		}
		rss, _ := m.peakRSS()
		r.setPeer("1. cold sequential read "+fmtSize(r.cfg.big), "MB/s", p, cold.mbps)
		r.setPeer("6a. peak RSS during 1", "MiB", p, float64(rss)/(1<<20))
		r.drop()
		warm, err := readFileSeq(m.path(bigKey))
		if err == nil {
			err = sameBytes(warm, want)
		}
		if err != nil {
			return err
		}
		r.setPeer("2. warm re-read (block cache)", "MB/s", p, warm.mbps)
		rnd, err := randomFile(m.path(bigKey), r.cfg.big, r.cfg.randomTime)
		if err != nil {
			return err
		}
		r.setPeer("3b. random 4K x4, warm block cache", "IOPS", p, rnd.iops)
		r.setPeer("3b. random 4K x4, warm block cache", "p99 ms", p, ms(rnd.p99))
		return nil
	})
}

// randomPeers: workload 3a.
func (r *runner) randomPeers() error {
	return r.forPeers("random", 0, func(p string, m *mount) error {
		r.drop()
		rnd, err := randomFile(m.path(bigKey), r.cfg.big, r.cfg.randomTime)
		if err != nil {
			return err
		}
		r.setPeer("3a. random 4K x4, cold", "IOPS", p, rnd.iops)
		r.setPeer("3a. random 4K x4, cold", "p99 ms", p, ms(rnd.p99))
		return nil
	})
}

// listPeers: workload 4 for one tool.
func (r *runner) listPeers(name string, want int, args func(string) []string) error {
	bin, _, _ := strings.Cut(name, " ")
	return r.forPeers(name, 0, func(p string, m *mount) error {
		dir := m.path(strings.TrimSuffix(listPrefix, "/"))
		r.drop()
		for _, when := range []string{"cold", "cached"} {
			d, err := timeTool(want, bin, args(dir)...)
			if err != nil {
				return err
			}
			r.setPeer("4. "+name+" of 10,000, "+when, "s", p, d.Seconds())
		}
		return nil
	})
}

// smallPeers: workload 5 and the peak RSS during it (6b).
func (r *runner) smallPeers() error {
	return r.forPeers("small files", 0, func(p string, m *mount) error {
		r.drop()
		if err := m.resetPeakRSS(); err != nil {
			logf("reset peak RSS: %v", err)
		}
		rate, err := readSmallFiles(m.path(strings.TrimSuffix(smallPrefix, "/")), smallCount, smallSize)
		if err != nil {
			return err
		}
		rss, _ := m.peakRSS()
		r.setPeer("5. 1,000 x 128K files, 16 readers", "files/s", p, rate)
		r.setPeer("6b. peak RSS during 5", "MiB", p, float64(rss)/(1<<20))
		return nil
	})
}

// waitInS3 polls until S3 holds key with size bytes (a peer may upload
// after close returned).
func (r *runner) waitInS3(ctx context.Context, key string, size int64) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := r.e.checkSize(ctx, key, size)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writePeers: workload 7, timed until S3 holds the whole file, best of
// seqRounds.
func (r *runner) writePeers(ctx context.Context) error {
	return r.forPeers("write", 0, func(p string, m *mount) error {
		var best float64
		for round := range seqRounds {
			key := fmt.Sprintf("%s-write-%d.bin", p, round)
			got, err := writeFileSeq(m.path(key), writeSize)
			if err != nil {
				return err
			}
			wrote := time.Duration(float64(writeSize) / 1e6 / got * float64(time.Second))
			start := time.Now()
			if err := r.waitInS3(ctx, key, writeSize); err != nil {
				return err
			}
			best = max(best, mbps(writeSize, wrote+time.Since(start)))
		}
		r.setPeer("7. sequential write 1G", "MB/s", p, best)
		return nil
	})
}

// createPeers: workload 8, `cp -r` of tree into a fresh mount, timed
// until S3 lists every file (a peer may upload after close), then
// unmounted. A peer's failure is logged, not fatal.
func (r *runner) createPeers(ctx context.Context, tree string) error {
	for _, p := range r.cfg.peers {
		if err := r.createPeer(ctx, p, tree); err != nil {
			logf("%s, cp -r: %v", p, err)
		}
	}
	return nil
}

func (r *runner) createPeer(ctx context.Context, p, tree string) error {
	m, err := r.e.mountPeer(p, 0)
	if err != nil {
		return err
	}
	prefix := "cp-r-" + p
	start := time.Now()
	out, err := exec.Command("cp", "-r", tree, m.path(prefix)).CombinedOutput()
	if err == nil {
		err = r.waitListed(ctx, prefix+"/", createCount)
	}
	took := time.Since(start)
	if uerr := r.unmount(m, p+" cp -r mount"); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	r.setPeer("8. create 1,000 x 4K files with cp -r, in S3 at exit", "files/s", p, createCount/took.Seconds())
	return nil
}

// waitListed polls until S3 lists n files under prefix.
func (r *runner) waitListed(ctx context.Context, prefix string, n int) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		_, keys, err := r.e.rawList(ctx, prefix)
		files := slices.DeleteFunc(keys, func(k string) bool { return strings.HasSuffix(k, "/") })
		if err == nil && len(files) == n {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(err, fmt.Errorf("S3 holds %d files under %s, want %d", len(files), prefix, n))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
