package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

func TestS3OptionFlags(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--no-sign-request", "--requester-pays", "--sse", "aws:kms", "--sse-kms-key-id", "k1",
		"--storage-class", "reduced_redundancy", "--ca-bundle", ca}
	withMountFlags(t, args, func(c *cli.Context) {
		cfg, err := s3Config(c)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Anonymous || !cfg.RequesterPays || cfg.SSE != remote.SSEKMS || cfg.SSEKMSKeyID != "k1" ||
			cfg.StorageClass != "REDUCED_REDUNDANCY" || cfg.CABundle != ca {
			t.Errorf("got %+v", cfg)
		}
	})
	for _, bad := range [][]string{
		{"--sse", "des"},
		{"--sse-kms-key-id", "k1"},
		{"--sse", "AES256", "--sse-kms-key-id", "k1"},
		{"--sse", "AES256", "--sse-c-key-file", filepath.Join(dir, "none")},
		{"--sse-c-key-file", filepath.Join(dir, "none")},
		{"--ca-bundle", filepath.Join(dir, "none")},
		{"--no-sign-request", "--profile", "p"},
	} {
		withMountFlags(t, bad, func(c *cli.Context) {
			if _, err := s3Config(c); err == nil {
				t.Errorf("%q accepted", bad)
			}
		})
	}
}

// TestSSECKeyFile: 32 raw bytes or their base64, and a message that
// never shows what the file holds.
func TestSSECKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte("k"), 32)
	for name, content := range map[string][]byte{
		"raw": key, "b64": []byte(base64.StdEncoding.EncodeToString(key)),
		"b64nl": []byte(" " + base64.StdEncoding.EncodeToString(key) + "\n"),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		withMountFlags(t, []string{"--sse-c-key-file", p}, func(c *cli.Context) {
			cfg, err := s3Config(c)
			if err != nil || !bytes.Equal(cfg.SSECustomerKey, key) {
				t.Errorf("%s: key %v, %v", name, cfg.SSECustomerKey, err)
			}
		})
	}
	for name, content := range map[string]string{
		"short": "secretsecret", "b64short": base64.StdEncoding.EncodeToString([]byte("secretsecret")),
		"long": strings.Repeat("secret", 10),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := readSSECKey(p); err == nil {
			t.Errorf("%s accepted", name)
		} else if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: message shows the content: %v", name, err)
		}
	}
}
