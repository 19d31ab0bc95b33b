package main

import (
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/vfs"
)

// TestFSConfigAsOf: --as-of (and -o as_of=) sets the time, implies
// read-only for the tree and the kernel, and the long TTLs unless given.
func TestFSConfigAsOf(t *testing.T) {
	src := vfs.Source{Bucket: "bkt"}
	fromOption, err := optionsToFlags("ro,as_of=2026-11-30T12:00:00Z", mountFlags())
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--as-of", "2026-11-30T12:00:00Z"}, fromOption} {
		withMountFlags(t, args, func(c *cli.Context) {
			cfg, err := fsConfig(c, src)
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC); !cfg.AsOf.Equal(want) || !cfg.ReadOnly {
				t.Errorf("%q: as of %v read-only %v", args, cfg.AsOf, cfg.ReadOnly)
			}
			if cfg.StatTTL != vfs.AsOfTTL || cfg.ListTTL != vfs.AsOfTTL {
				t.Errorf("%q: TTLs %v %v, want %v", args, cfg.StatTTL, cfg.ListTTL, vfs.AsOfTTL)
			}
			if mo, err := mountOptions(c, "s3://bkt"); err != nil || !mo.ReadOnly {
				t.Errorf("%q: the kernel mount is not read-only (%v)", args, err)
			}
		})
	}
	withMountFlags(t, []string{"--as-of", "72h", "--stat-ttl", "3s"}, func(c *cli.Context) {
		cfg, err := fsConfig(c, src)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(cfg.AsOf); d < 72*time.Hour || d > 73*time.Hour || cfg.StatTTL != 3*time.Second {
			t.Errorf("72h: as of %v ago, stat TTL %v", d, cfg.StatTTL)
		}
	})
	for _, bad := range []string{"yesterday", "2999-01-01T00:00:00Z"} {
		withMountFlags(t, []string{"--as-of", bad}, func(c *cli.Context) {
			if _, err := fsConfig(c, src); err == nil {
				t.Errorf("--as-of %s accepted", bad)
			}
		})
	}
}
