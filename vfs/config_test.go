package vfs

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	var c Config
	c.SetDefaults()
	if c.FileMode != 0o644 || c.DirMode != 0o755 || c.StatTTL != DefaultStatTTL ||
		c.ListTTL != DefaultListTTL || c.BlockSize != 1<<20 || c.Logger == nil || c.Clock == nil {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestConfigNoCache(t *testing.T) {
	c := Config{StatTTL: NoCache, ListTTL: NoCache}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.statTTL() != 0 || c.listTTL() != 0 {
		t.Fatalf("effective TTLs %v %v, want 0", c.statTTL(), c.listTTL())
	}
	c = Config{StatTTL: time.Second}
	c.SetDefaults()
	if c.statTTL() != time.Second {
		t.Fatalf("explicit TTL changed to %v", c.statTTL())
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.BlockSize = 1000 }, "block size"},
		{func(c *Config) { c.BlockSize = 128 << 20 }, "block size"},
		{func(c *Config) { c.FileMode = 0o4755 }, "permission bits"},
		{func(c *Config) { c.Source = Source{Bucket: "Bad_Name"} }, "invalid bucket name"},
		{func(c *Config) { c.Source = Source{Bucket: "bucket", Prefix: "x"} }, "must end with /"},
		{func(c *Config) { c.Source = Source{Prefix: "x/"} }, "without a bucket"},
	}
	for _, tt := range tests {
		var c Config
		c.SetDefaults()
		tt.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want error containing %q", err, tt.want)
		}
	}
}
