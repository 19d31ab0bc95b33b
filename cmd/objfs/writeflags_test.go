package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

func TestWriteFlags(t *testing.T) {
	src := vfs.Source{Bucket: "bkt"}
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
		{"--checksum", "sha1"},
	} {
		withMountFlags(t, bad, func(c *cli.Context) {
			if _, err := fsConfig(c, src); err == nil {
				t.Errorf("%q accepted", bad)
			}
		})
	}
}

// TestChecksumFlag: --checksum reaches remote.S3Config, auto by default,
// and -o checksum=md5 is the same flag.
func TestChecksumFlag(t *testing.T) {
	for args, want := range map[string]remote.ChecksumMode{"": remote.ChecksumAuto, "--checksum= MD5 ": remote.ChecksumMD5, "--checksum=crc32c": remote.ChecksumCRC32C} {
		var a []string
		if args != "" {
			a = []string{args}
		}
		withMountFlags(t, a, func(c *cli.Context) {
			if cfg, _ := s3Config(c); cfg.Checksum != want {
				t.Errorf("%q: checksum %q, want %q", args, cfg.Checksum, want)
			}
		})
	}
	got, err := translateArgs([]string{"objfs", "mount", "-o", "checksum=md5", "s3://b", "/mnt"}, map[string]bool{"mount": true}, mountFlags())
	if err != nil || !slices.Contains(got, "--checksum=md5") {
		t.Errorf("-o checksum=md5 gives %q, %v", got, err)
	}
}
