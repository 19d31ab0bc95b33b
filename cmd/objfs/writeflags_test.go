package main

import (
	"path/filepath"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
)

func TestWriteFlags(t *testing.T) {
	src := fs.Source{Bucket: "bkt"}
	withMountFlags(t, nil, func(c *cli.Context) {
		cfg, err := fsConfig(c, src)
		if err != nil {
			t.Fatal(err)
		}
		w := cfg.Write
		if w.PartSize != 8<<20 || w.Concurrency != 4 || w.BufferBytes != 6*8<<20 {
			t.Errorf("defaults %+v", w)
		}
		if want := filepath.Join(defaultCacheDir(), "staging"); w.StageDir != want {
			t.Errorf("staging dir %q, want %q", w.StageDir, want)
		}
	})
	dir := t.TempDir()
	args := []string{"--part-size", "16M", "--upload-concurrency", "8", "--write-buffer-size", "1G", "--cache-dir", dir}
	withMountFlags(t, args, func(c *cli.Context) {
		cfg, err := fsConfig(c, src)
		if err != nil {
			t.Fatal(err)
		}
		w := cfg.Write
		if w.PartSize != 16<<20 || w.Concurrency != 8 || w.BufferBytes != 1<<30 || w.StageDir != filepath.Join(dir, "staging") {
			t.Errorf("mapped %+v", w)
		}
	})
	for _, bad := range [][]string{
		{"--part-size", "1M"},
		{"--upload-concurrency", "0"},
		{"--write-buffer-size", "8M"}, // less than two parts
		{"--part-size", "lots"},
	} {
		withMountFlags(t, bad, func(c *cli.Context) {
			if _, err := fsConfig(c, src); err == nil {
				t.Errorf("%q accepted", bad)
			}
		})
	}
}
