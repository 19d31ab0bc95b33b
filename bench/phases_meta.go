//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
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
		goal: ">= 0.8x raw", met: judge(rate >= 0.8*raw), note: "both list the directory first"})
	r.addRSS("6b. peak RSS during 5", rss, r.cfg.cacheSize)
	return nil
}

// writePhase: workload 7, a 1 GiB sequential write through the mount
// against a raw multipart upload.
func (r *runner) writePhase(ctx context.Context) error {
	raw, err := r.e.rawWrite(ctx, "raw-write.bin", writeSize)
	if err != nil {
		return err
	}
	m, err := r.mount()
	if err != nil {
		return err
	}
	got, err := writeFileSeq(m.path("objfs-write.bin"), writeSize)
	if uerr := r.unmount(m, "write mount"); err == nil {
		err = uerr
	}
	w := row{workload: "7. sequential write 1G", unit: "MB/s", objfs: got, raw: raw, goal: "(issue #3)",
		note: fmt.Sprintf("raw: multipart, %d MiB parts, %d in flight", partSize>>20, uploadConc)}
	switch {
	case errors.Is(err, errNoWriteBack):
		w.objfs, w.note = na, "n/a: write-back not available ("+err.Error()+")"
	case err != nil:
		return err
	default:
		if err := r.e.checkSize(ctx, "objfs-write.bin", writeSize); err != nil {
			return err
		}
	}
	r.add(w)
	return nil
}
