//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// config is what the command line chooses.
type config struct {
	objfs      string        // the objfs binary
	big        int64         // size of the big object
	cacheSize  int64         // --cache-size of the ordinary mounts
	randomTime time.Duration // length of each random-read run
	mountArgs  []string      // extra flags for every mount
	only       []string      // phases to run (all when empty)
	peers      []string      // other file systems run on the same workloads (peers.go)
	verbose    bool          // print each mount's cache statistics
}

func main() {
	cfg, err := parseFlags()
	if err == nil {
		err = run(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	var cfg config
	big := flag.String("big", "2G", "size of the object read sequentially and at random")
	cache := flag.String("cache-size", "256M", "--cache-size of the mounts (the warm re-read uses one that holds the big object)")
	args := flag.String("mount-args", "", "extra `flags` for every objfs mount, space-separated")
	only := flag.String("only", "", "comma-separated `phases` to run: seq, random, list, small, write, create, ttfb, parallel, disk (default all)")
	io := flag.String("io-size", "1M", "read(2) and write(2) `SIZE` of the sequential reads and writes (dd's bs)")
	peers := flag.String("peers", "", "other file systems to run the same workloads on, as extra columns: `NAMES` of rclone, s3fs")
	flag.StringVar(&cfg.objfs, "objfs", "bin/objfs", "objfs `binary` to mount (make build)")
	flag.DurationVar(&cfg.randomTime, "random-time", 8*time.Second, "length of each random-read run")
	flag.BoolVar(&cfg.verbose, "v", false, "print each mount's cache statistics")
	flag.Parse()
	var err1, err2 error
	n, err := parseSize(*io)
	if err != nil {
		return cfg, err
	}
	ioSize = int(n)
	cfg.big, err1 = parseSize(*big)
	cfg.cacheSize, err2 = parseSize(*cache)
	if err := errors.Join(err1, err2); err != nil {
		return cfg, err
	}
	cfg.mountArgs = strings.Fields(*args)
	if cfg.peers, err1 = parsePeers(*peers); err1 != nil {
		return cfg, err1
	}
	if *only != "" {
		cfg.only = strings.Split(*only, ",")
	}
	abs, err := filepath.Abs(cfg.objfs)
	if err != nil {
		return cfg, err
	}
	cfg.objfs = abs
	if _, err := os.Stat(abs); err != nil {
		return cfg, fmt.Errorf("objfs binary: %w (run make build)", err)
	}
	return cfg, nil
}

// Sizes of the seeded data.
const (
	listCount  = 10_000
	smallCount = 1_000
	smallSize  = 128 << 10
	writeSize  = 1 << 30
)

func run(cfg config) error {
	started := time.Now()
	e, err := startEnv()
	if err != nil {
		return fmt.Errorf("start MinIO: %w", err)
	}
	defer e.close()
	ctx := context.Background()
	r := &runner{cfg: cfg, e: e, root: os.Geteuid() == 0, loadStart: loadAvg()}
	if err := r.seed(ctx); err != nil {
		return err
	}
	logf("seeded in %v", time.Since(started).Round(time.Second))
	for _, phase := range []struct {
		name string
		run  func(context.Context) error
	}{{"seq", r.seqPhase}, {"random", r.randomPhase}, {"list", r.listPhase}, {"small", r.smallPhase}, {"write", r.writePhase}, {"create", r.createPhase},
		{"ttfb", r.ttfbPhase}, {"parallel", r.parallelPhase}, {"disk", r.diskPhase}} {
		if !r.wants(phase.name) {
			continue
		}
		if err := phase.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", phase.name, err)
		}
	}
	printTable(os.Stdout, r.header(time.Since(started)), r.rows, cfg.peers)
	return nil
}

// runner runs the workloads and collects the rows.
type runner struct {
	cfg       config
	e         *env
	root      bool
	loadStart string
	rows      []row
}

func (r *runner) add(rw row) { r.rows = append(r.rows, rw) }

func (r *runner) wants(phase string) bool {
	return len(r.cfg.only) == 0 || slices.Contains(r.cfg.only, phase)
}

// seed uploads what the chosen phases read.
func (r *runner) seed(ctx context.Context) error {
	if r.wants("seq") || r.wants("random") || r.wants("ttfb") || r.wants("disk") {
		logf("seeding a %s object", fmtSize(r.cfg.big))
		if err := r.e.seedBig(ctx, r.cfg.big); err != nil {
			return err
		}
	}
	if r.wants("ttfb") {
		if err := r.e.putMany(ctx, map[string]int{ttfbWarmKey: 4096}); err != nil {
			return err
		}
	}
	if r.wants("parallel") {
		logf("seeding %d objects of %s", parallelReaders, fmtSize(r.cfg.big/parallelReaders))
		if err := r.e.seedParallel(ctx, r.cfg.big/parallelReaders); err != nil {
			return err
		}
	}
	if r.wants("list") {
		logf("seeding %d objects in %s", listCount, listPrefix)
		if err := r.e.seedMany(ctx, listPrefix, "f%05d.dat", listCount, func(i int) int { return i % 97 }); err != nil {
			return err
		}
	}
	if r.wants("small") {
		logf("seeding %d objects of %s in %s", smallCount, fmtSize(smallSize), smallPrefix)
		return r.e.seedMany(ctx, smallPrefix, "s%04d.bin", smallCount, func(int) int { return smallSize })
	}
	return nil
}

func (r *runner) header(took time.Duration) string {
	host, _ := os.Hostname()
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	cache := "dropped before every cold run"
	if !r.root {
		cache = "NOT dropped (not root): cold figures may be warm"
	}
	return fmt.Sprintf("objfs bench on %s: %d cores (GOMAXPROCS %d), Linux %s, %s; MinIO on loopback; page cache %s; "+
		"sequential read(2)/write(2) of %s; load average %s at start, %s at end; run took %v",
		host, runtime.NumCPU(), runtime.GOMAXPROCS(0), strings.TrimSpace(string(kernel)),
		time.Now().Format("2006-01-02 15:04"), cache, fmtSize(int64(ioSize)), r.loadStart, loadAvg(), took.Round(time.Second))
}

// loadAvg is the 1-minute load average: other work on the machine skews
// every figure, so the table shows it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// drop empties the page cache when root can.
func (r *runner) drop() {
	if r.root {
		if err := dropPageCache(); err != nil {
			logf("drop page cache: %v", err)
		}
	}
}

// mount mounts with the ordinary cache size plus args.
func (r *runner) mount(args ...string) (*mount, error) {
	all := append([]string{"--cache-size", fmtSize(r.cfg.cacheSize)}, r.cfg.mountArgs...)
	return r.e.mountObjfs(r.cfg.objfs, append(all, args...)...)
}

// unmount unmounts m and, with -v, prints its cache statistics.
func (r *runner) unmount(m *mount, what string) error {
	log, err := m.unmount()
	if r.cfg.verbose {
		for _, l := range strings.Split(log, "\n") {
			if strings.Contains(l, "cache statistics") {
				logf("%s: %s", what, l)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w; log:\n%s", what, err, log)
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func fmtSize(n int64) string {
	for _, u := range []struct {
		shift int
		name  string
	}{{30, "G"}, {20, "M"}, {10, "K"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprint(n)
}

// parseSize reads 512M, 2G, 64K or a plain byte count.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	t := strings.ToUpper(strings.TrimSpace(s))
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMG", t[n-1]); i >= 0 {
			mult, t = int64(1)<<(10*(i+1)), t[:n-1]
		}
	}
	var v int64
	if _, err := fmt.Sscanf(t, "%d", &v); err != nil || v <= 0 || fmt.Sprint(v) != t {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}
