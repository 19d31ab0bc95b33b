//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// listPhase: workload 4, ls -l and find of the 10,000-object directory,
// each on a fresh mount (cold) and then again (cached).
func (r *runner) listPhase(ctx context.Context) error {
	r.drop()
	rawTime, keys, err := r.e.rawList(ctx, listPrefix)
	if err != nil {
		return err
	}
	if len(keys) != listCount {
		return fmt.Errorf("raw listing of %s: %d keys, want %d", listPrefix, len(keys), listCount)
	}
	for _, tool := range []struct {
		name string
		want int // output lines
		args func(dir string) []string
	}{
		{"ls -l", listCount + 1, func(dir string) []string { return []string{"-l", dir} }}, // and "total"
		{"find", listCount + 1, func(dir string) []string { return []string{dir} }},        // and the directory
	} {
		if err := r.timeListing(tool.name, tool.want, tool.args, rawTime); err != nil {
			return err
		}
		if err := r.listPeers(tool.name, tool.want, tool.args); err != nil {
			return err
		}
	}
	return nil
}

// timeListing runs one tool cold and cached on a fresh mount.
func (r *runner) timeListing(name string, want int, args func(string) []string, raw time.Duration) error {
	m, err := r.mount()
	if err != nil {
		return err
	}
	dir := m.path(strings.TrimSuffix(listPrefix, "/"))
	bin, _, _ := strings.Cut(name, " ")
	r.drop()
	var times [2]time.Duration
	for i := range times {
		if times[i], err = timeTool(want, bin, args(dir)...); err != nil {
			break
		}
	}
	if uerr := r.unmount(m, name+" mount"); err == nil {
		err = uerr
	}
	if err != nil {
		return err
	}
	r.add(row{workload: "4. " + name + " of 10,000, cold", unit: "s", objfs: times[0].Seconds(), raw: raw.Seconds(),
		lowerBetter: true, note: "raw: the ListObjectsV2 pages"})
	goal, met := "", ""
	if name == "ls -l" {
		goal, met = "< 0.5 s", judge(times[1] < 500*time.Millisecond)
	}
	r.add(row{workload: "4. " + name + " of 10,000, cached", unit: "s", objfs: times[1].Seconds(), raw: raw.Seconds(),
		lowerBetter: true, goal: goal, met: met})
	return nil
}

// smallPhase: workload 5 and the peak RSS during it.
func (r *runner) smallPhase(ctx context.Context) error {
	m, err := r.mount()
	if err != nil {
		return err
	}
	r.drop()
	if err := m.resetPeakRSS(); err != nil {
		logf("reset peak RSS: %v", err)
	}
	rate, err := readSmallFiles(m.path(strings.TrimSuffix(smallPrefix, "/")), smallCount, smallSize)
	rss, rerr := m.peakRSS()
	if uerr := r.unmount(m, "small files mount"); err == nil {
		err = errors.Join(rerr, uerr)
	}
	if err != nil {
		return err
	}
	r.drop()
	raw, err := r.e.rawSmallFiles(ctx, smallPrefix, smallCount, smallSize)
	if err != nil {
		return err
	}
	r.add(row{workload: "5. 1,000 x 128K files, 16 readers", unit: "files/s", objfs: rate, raw: raw,
		goal: ">= 0.9x raw", met: judge(rate >= 0.9*raw), note: "both list the directory first"})
	r.addRSS("6b. peak RSS during 5", rss, r.cfg.cacheSize)
	if err := r.smallPeers(); err != nil {
		return err
	}
	return r.smallSequential(ctx)
}

// smallSequential: workload 5b, the same files read by one reader in
// listing order (`tar c`, `cat dir/*`), on a fresh mount.
func (r *runner) smallSequential(ctx context.Context) error {
	m, err := r.mount()
	if err != nil {
		return err
	}
	r.drop()
	rate, err := readSmallFilesSequential(m.path(strings.TrimSuffix(smallPrefix, "/")), smallCount, smallSize)
	log, uerr := m.unmount()
	if err == nil {
		err = uerr
	}
	if err != nil {
		return err
	}
	r.drop()
	raw, err := r.e.rawSmallFilesSequential(ctx, smallPrefix, smallCount, smallSize)
	if err != nil {
		return err
	}
	r.add(row{workload: "5b. 1,000 x 128K files, 1 reader in order", unit: "files/s", objfs: rate, raw: raw,
		note: "like tar c; " + prefetchNote(log)})
	return nil
}

// writePhase: workload 7, a 1 GiB sequential write through the mount
// against a raw multipart upload, best of seqRounds interleaved rounds in
// alternating order: the first gigabyte written into a fresh MinIO goes
// about 30% faster whoever writes it, which always favoured raw when it
// went first.
func (r *runner) writePhase(ctx context.Context) error {
	var best, raw float64
	for round := range seqRounds {
		var got, rawGot float64
		var err error
		if round%2 == 1 {
			if rawGot, err = r.e.rawWrite(ctx, fmt.Sprintf("raw-write-%d.bin", round), writeSize); err != nil {
				return err
			}
		}
		key := fmt.Sprintf("objfs-write-%d.bin", round)
		got, err = r.objfsWrite(key)
		if errors.Is(err, errNoWriteBack) {
			r.add(row{workload: "7. sequential write 1G", unit: "MB/s", objfs: na, raw: na, goal: "(issue #3)",
				note: "n/a: write-back not available (" + err.Error() + ")"})
			return nil
		}
		if err != nil {
			return err
		}
		if err := r.e.checkSize(ctx, key, writeSize); err != nil {
			return err
		}
		if round%2 == 0 {
			if rawGot, err = r.e.rawWrite(ctx, fmt.Sprintf("raw-write-%d.bin", round), writeSize); err != nil {
				return err
			}
		}
		logf("sequential write, round %d: objfs %.0f MB/s, raw %.0f MB/s", round+1, got, rawGot)
		best, raw = math.Max(best, got), math.Max(raw, rawGot)
	}
	r.add(row{workload: "7. sequential write 1G", unit: "MB/s", objfs: best, raw: raw, goal: ">= 0.9x raw", met: judge(best >= 0.9*raw),
		note: fmt.Sprintf("best of %d, order alternating; raw: multipart, %d MiB parts, %d in flight", seqRounds, partSize>>20, uploadConc)})
	return r.writePeers(ctx)
}

// objfsWrite writes key through a fresh mount and unmounts it.
func (r *runner) objfsWrite(key string) (float64, error) {
	m, err := r.mount()
	if err != nil {
		return 0, err
	}
	got, err := writeFileSeq(m.path(key), writeSize)
	if uerr := r.unmount(m, "write mount"); err == nil {
		err = uerr
	}
	return got, err
}
