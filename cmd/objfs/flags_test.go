package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/fs"
)

// withMountFlags parses args with the mount flags and calls fn with the
// resulting context (valid only inside fn).
func withMountFlags(t *testing.T, args []string, fn func(c *cli.Context)) {
	t.Helper()
	called := false
	app := &cli.App{
		Writer: io.Discard, ErrWriter: io.Discard,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{
			Name:  "mount",
			Flags: mountFlags(),
			Action: func(c *cli.Context) error {
				called = true
				fn(c)
				return nil
			},
		}},
	}
	if err := app.Run(append([]string{"objfs", "mount"}, args...)); err != nil {
		t.Fatalf("parsing %q: %v", args, err)
	}
	if !called {
		t.Fatalf("action not called for %q", args)
	}
}

func TestFSConfigDefaults(t *testing.T) {
	src := vfs.Source{Bucket: "bkt", Prefix: "p/"}
	withMountFlags(t, nil, func(c *cli.Context) {
		cfg, err := fsConfig(c, src)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Source != src {
			t.Errorf("Source %+v, want %+v", cfg.Source, src)
		}
		if cfg.UID != uint32(os.Getuid()) || cfg.GID != uint32(os.Getgid()) {
			t.Errorf("owner %d:%d, want the current user %d:%d", cfg.UID, cfg.GID, os.Getuid(), os.Getgid())
		}
		if cfg.FileMode != 0o644 || cfg.DirMode != 0o755 {
			t.Errorf("modes %o/%o, want 644/755", cfg.FileMode, cfg.DirMode)
		}
		if cfg.StatTTL != vfs.DefaultStatTTL || cfg.ListTTL != vfs.DefaultListTTL {
			t.Errorf("TTLs %v/%v, want fs defaults %v/%v", cfg.StatTTL, cfg.ListTTL, vfs.DefaultStatTTL, vfs.DefaultListTTL)
		}
		if cfg.ReadOnly {
			t.Error("ReadOnly set without --read-only")
		}
		if cfg.Fixed != (vfs.FixedAttrs{}) {
			t.Errorf("Fixed %+v without flags: stored mode and owner must win", cfg.Fixed)
		}
	})
}

// TestFSConfigFixed: each of --uid, --gid, --file-mode, --dir-mode given
// explicitly (as a flag or a mount option) fixes its own value only.
func TestFSConfigFixed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want vfs.FixedAttrs
	}{
		{[]string{"--uid", "0"}, vfs.FixedAttrs{UID: true}},
		{[]string{"--gid", "7", "--dir-mode", "0755"}, vfs.FixedAttrs{GID: true, DirMode: true}},
		{[]string{"--file-mode", "0644"}, vfs.FixedAttrs{FileMode: true}},
	} {
		withMountFlags(t, tc.args, func(c *cli.Context) {
			cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Fixed != tc.want {
				t.Errorf("%q: Fixed %+v, want %+v", tc.args, cfg.Fixed, tc.want)
			}
		})
	}
	args, err := translateArgs([]string{"objfs", "s3://bkt", "/mnt", "-o", "uid=1000,file_mode=0600"}, map[string]bool{"mount": true}, mountFlags())
	if err != nil {
		t.Fatal(err)
	}
	if len(args) < 2 || args[1] != "mount" {
		t.Fatalf("translated to %q", args)
	}
	withMountFlags(t, args[2:], func(c *cli.Context) {
		cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
		if err != nil {
			t.Fatal(err)
		}
		if want := (vfs.FixedAttrs{UID: true, FileMode: true}); cfg.Fixed != want {
			t.Errorf("-o uid=,file_mode=: Fixed %+v, want %+v", cfg.Fixed, want)
		}
	})
}

func TestFSConfigFromFlags(t *testing.T) {
	args := []string{"--uid", "1234", "--gid", "5678", "--file-mode", "0600", "--dir-mode", "700",
		"--read-only", "--stat-ttl", "5s", "--list-ttl", "1m30s"}
	withMountFlags(t, args, func(c *cli.Context) {
		cfg, err := fsConfig(c, vfs.Source{Bucket: "bkt"})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.UID != 1234 || cfg.GID != 5678 {
			t.Errorf("owner %d:%d", cfg.UID, cfg.GID)
		}
		if cfg.FileMode != 0o600 || cfg.DirMode != 0o700 {
			t.Errorf("modes %o/%o", cfg.FileMode, cfg.DirMode)
		}
		if !cfg.ReadOnly {
			t.Error("ReadOnly not set")
		}
		if cfg.StatTTL != 5*time.Second || cfg.ListTTL != 90*time.Second {
			t.Errorf("TTLs %v/%v", cfg.StatTTL, cfg.ListTTL)
		}
	})
}

// TestFSConfigZeroTTL: 0 on the command line turns a cache off, which
// vfs.Config spells NoCache (its own zero means "default").
func TestFSConfigZeroTTL(t *testing.T) {
	withMountFlags(t, []string{"--stat-ttl", "0", "--list-ttl", "0s"}, func(c *cli.Context) {
		cfg, err := fsConfig(c, vfs.Source{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.StatTTL != vfs.NoCache || cfg.ListTTL != vfs.NoCache {
			t.Errorf("TTLs %v/%v, want NoCache", cfg.StatTTL, cfg.ListTTL)
		}
	})
}

func TestFSConfigRejects(t *testing.T) {
	for _, args := range [][]string{
		{"--stat-ttl", "-1s"},
		{"--file-mode", "rw-r--r--"},
		{"--dir-mode", "1777"},
		{"--uid", "4294967296"},
	} {
		withMountFlags(t, args, func(c *cli.Context) {
			if _, err := fsConfig(c, vfs.Source{Bucket: "bkt"}); err == nil {
				t.Errorf("%q accepted", args)
			} else if !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "-")) {
				t.Errorf("%q: error %q does not name the flag", args, err)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	good := map[string]os.FileMode{"0644": 0o644, "644": 0o644, "0o600": 0o600, " 0755 ": 0o755, "0777": 0o777, "400": 0o400}
	for s, want := range good {
		got, err := parseMode("file-mode", s)
		if err != nil || got != want {
			t.Errorf("parseMode(%q) = %o, %v; want %o", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "000", "0888", "9", "01000", "4755", "abc", "-644", "0x1a4", "0o"} {
		if got, err := parseMode("file-mode", s); err == nil {
			t.Errorf("parseMode(%q) = %o, want an error", s, got)
		} else if !strings.Contains(err.Error(), "--file-mode") {
			t.Errorf("parseMode(%q) error %q does not name the flag", s, err)
		}
	}
}

func TestS3Config(t *testing.T) {
	args := []string{"--endpoint", " http://127.0.0.1:9000 ", "--region", "eu-west-1", "--profile", "ml", "--path-style"}
	withMountFlags(t, args, func(c *cli.Context) {
		cfg, err := s3Config(c)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Endpoint != "http://127.0.0.1:9000" || cfg.Region != "eu-west-1" || cfg.Profile != "ml" || !cfg.PathStyle {
			t.Errorf("got %+v", cfg)
		}
		if cfg.AccessKeyID != "" || cfg.SecretAccessKey != "" || cfg.SessionToken != "" {
			t.Error("credentials must come from the SDK chain, not flags")
		}
	})
	withMountFlags(t, nil, func(c *cli.Context) {
		if cfg, err := s3Config(c); err != nil || cfg.Endpoint != "" || cfg.Region != "" || cfg.PathStyle || cfg.Anonymous ||
			cfg.SSE != "" || cfg.SSECustomerKey != nil || cfg.StorageClass != "" || cfg.RequesterPays || cfg.CABundle != "" {
			t.Errorf("defaults %+v, want empty (SDK chain decides)", cfg)
		}
	})
}

func TestMountOptions(t *testing.T) {
	withMountFlags(t, []string{"--allow-other", "--debug", "--read-only"}, func(c *cli.Context) {
		got, err := mountOptions(c, "s3://bkt/p/")
		want := fs.MountOptions{AllowOther: true, Debug: true, FSName: "s3://bkt/p/", ReadOnly: true,
			MaxRequestSize: fs.DefaultMaxRequestSize, MaxBackground: fs.DefaultMaxBackground}
		if err != nil || got != want {
			t.Errorf("got %+v, %v; want %+v", got, err, want)
		}
	})
	withMountFlags(t, []string{"--max-request-size", "4M", "--max-background", "32"}, func(c *cli.Context) {
		got, err := mountOptions(c, "s3://bkt/")
		if err != nil || got.MaxRequestSize != 4<<20 || got.MaxBackground != 32 {
			t.Errorf("got %+v, %v; want 4 MiB requests, 32 in the background", got, err)
		}
	})
	for _, bad := range [][]string{
		{"--max-request-size", "64K"}, {"--max-request-size", "32M"}, {"--max-request-size", "1000000"},
		{"--max-request-size", "x"}, {"--max-background", "0"}, {"--max-background", "5000"},
	} {
		withMountFlags(t, bad, func(c *cli.Context) {
			if _, err := mountOptions(c, "s3://bkt/"); err == nil {
				t.Errorf("%q: accepted", bad)
			}
		})
	}
}

func TestLogOptions(t *testing.T) {
	tests := []struct {
		args   []string
		level  slog.Level
		format string
	}{
		{nil, slog.LevelInfo, "text"},
		{[]string{"--debug"}, slog.LevelDebug, "text"},
		{[]string{"--debug", "--log-level", "warn"}, slog.LevelWarn, "text"},
		{[]string{"--log-level", "ERROR", "--log-format", "json"}, slog.LevelError, "json"},
	}
	for _, tt := range tests {
		withMountFlags(t, tt.args, func(c *cli.Context) {
			lo, err := logOptionsFrom(c)
			if err != nil || lo.Level != tt.level || lo.Format != tt.format {
				t.Errorf("%q: got %+v, %v; want %v %s", tt.args, lo, err, tt.level, tt.format)
			}
		})
	}
	withMountFlags(t, []string{"--log-format", "xml"}, func(c *cli.Context) {
		if _, err := logOptionsFrom(c); err == nil {
			t.Error("--log-format xml accepted")
		}
	})
}
