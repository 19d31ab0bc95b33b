package main

import (
	"path/filepath"
	"testing"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"4096", 4096}, {"64k", 64 << 10}, {"64K", 64 << 10}, {"64KiB", 64 << 10},
		{"512M", 512 << 20}, {"512MB", 512 << 20}, {"512mib", 512 << 20}, {" 2G ", 2 << 30},
		{"1.5G", 3 << 29}, {"1T", 1 << 40}, {"100B", 100},
	} {
		if got, err := parseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "M", "-1M", "12X", "1e9", "0x10", "1_000", "NaN", "inf", "9999999T"} {
		if got, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, got)
		}
	}
}

func TestFormatSizeRoundTrips(t *testing.T) {
	for _, n := range []int64{0, 1, 4096, 1 << 20, 3 << 29, 256 << 20, 4 << 30, 5 << 40, 1<<20 + 1} {
		s := formatSize(n)
		if got, err := parseSize(s); err != nil || got != n {
			t.Errorf("formatSize(%d) = %q, which parses as %d, %v", n, s, got, err)
		}
	}
}

func TestCacheFlagsDefaults(t *testing.T) {
	withMountFlags(t, nil, func(c *cli.Context) {
		cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
		if err != nil {
			t.Fatal(err)
		}
		rc := cfg.ReadCache
		if cfg.BlockSize != vfs.DefaultBlockSize || rc.MemBytes != vfs.DefaultCacheMemBytes || rc.ReadaheadMax != vfs.DefaultReadaheadMax {
			t.Errorf("block %d, cache %d, readahead %d; want the fs defaults", cfg.BlockSize, rc.MemBytes, rc.ReadaheadMax)
		}
		if rc.DiskDir != "" {
			t.Errorf("disk tier on by default (%q)", rc.DiskDir)
		}
	})
}

func TestCacheFlagsDiskTier(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		args    []string
		wantDir string
		want    int64
	}{
		{"dir given", []string{"--cache-dir", dir}, dir, vfs.DefaultCacheDiskBytes},
		{"dir and size", []string{"--cache-dir", dir, "--cache-disk-size", "10G"}, dir, 10 << 30},
		{"size alone uses the default dir", []string{"--cache-disk-size", "1G"}, defaultCacheDir(), 1 << 30},
		{"size 0 turns it off", []string{"--cache-dir", dir, "--cache-disk-size", "0"}, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			withMountFlags(t, tt.args, func(c *cli.Context) {
				cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if tt.wantDir == "" {
					want = vfs.DefaultCacheDiskBytes // unused; SetDefaults fills it
				}
				if cfg.ReadCache.DiskDir != tt.wantDir || cfg.ReadCache.DiskBytes != want {
					t.Errorf("disk tier %q %d, want %q %d", cfg.ReadCache.DiskDir, cfg.ReadCache.DiskBytes, tt.wantDir, want)
				}
			})
		})
	}
}

func TestCacheFlagsValues(t *testing.T) {
	args := []string{"--cache-size", "1G", "--block-size", "4M", "--readahead-max", "0", "--cache-dir", "rel", "--direct-io"}
	withMountFlags(t, args, func(c *cli.Context) {
		cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.ReadCache.DirectIO {
			t.Error("--direct-io not passed on")
		}
		if cfg.ReadCache.MemBytes != 1<<30 || cfg.BlockSize != 4<<20 || cfg.ReadCache.ReadaheadMax != vfs.NoReadahead {
			t.Errorf("cache %d, block %d, readahead %d", cfg.ReadCache.MemBytes, cfg.BlockSize, cfg.ReadCache.ReadaheadMax)
		}
		if !filepath.IsAbs(cfg.ReadCache.DiskDir) {
			t.Errorf("relative --cache-dir kept relative: %q", cfg.ReadCache.DiskDir)
		}
	})
	for _, bad := range [][]string{
		{"--cache-size", "lots"}, {"--cache-size", "0"}, {"--block-size", "1000"},
		{"--cache-size", "1M"}, {"--cache-disk-size", "-5G"}, {"--readahead-max", "x"},
		{"--prefetch-files", "-1"},
	} {
		withMountFlags(t, bad, func(c *cli.Context) {
			if _, err := fsConfig(c, vfs.Source{Bucket: "bkt"}); err == nil {
				t.Errorf("%q accepted", bad)
			}
		})
	}
}

// TestPrefetchFilesFlag: --prefetch-files N passes N on, 0 turns the
// data-loader prefetch off, and the default is vfs's.
func TestPrefetchFilesFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{{nil, vfs.DefaultPrefetchFiles}, {[]string{"--prefetch-files", "5"}, 5}, {[]string{"--prefetch-files", "0"}, vfs.NoPrefetch}} {
		withMountFlags(t, c.args, func(ctx *cli.Context) {
			cfg, err := fsConfig(ctx, vfs.Source{Bucket: "bkt"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ReadCache.PrefetchFiles != c.want {
				t.Errorf("%q: PrefetchFiles %d, want %d", c.args, cfg.ReadCache.PrefetchFiles, c.want)
			}
		})
	}
}
