package cache

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for MetaConfig.
const (
	DefaultStatTTL      = time.Minute
	DefaultListTTL      = time.Minute
	DefaultNegativeTTL  = 5 * time.Second
	DefaultMaxDirs      = 1024
	DefaultMaxStats     = 100_000
	DefaultMaxListBytes = 256 << 20
	// mutationMemory is how many recently mutated directories are
	// remembered to refuse stale Put*Since results (see Meta.Begin).
	mutationMemory = 4096
)

// MetaConfig configures a Meta cache.
//
// A TTL of zero disables caching of that kind (so a --stat-ttl 0 flag maps
// straight onto it); DefaultMetaConfig has the recommended TTLs. The
// counts, the byte budget and the clock get defaults from SetDefaults when
// zero.
type MetaConfig struct {
	StatTTL     time.Duration // positive stat results
	ListTTL     time.Duration // directory listings
	NegativeTTL time.Duration // "no such key" results
	MaxDirs     int           // listings kept (LRU)
	MaxStats    int           // stat results kept (LRU), positive and negative
	// MaxListBytes bounds the memory of all cached listings together
	// (Listing.Bytes); a listing larger than this is not cached.
	MaxListBytes int64
	Clock        func() time.Time
}

// DefaultMetaConfig returns the recommended configuration.
func DefaultMetaConfig() MetaConfig {
	c := MetaConfig{StatTTL: DefaultStatTTL, ListTTL: DefaultListTTL, NegativeTTL: DefaultNegativeTTL}
	c.SetDefaults()
	return c
}

// SetDefaults fills zero counts, budget and clock (not the TTLs: zero
// there means "do not cache").
func (c *MetaConfig) SetDefaults() {
	if c.MaxDirs == 0 {
		c.MaxDirs = DefaultMaxDirs
	}
	if c.MaxStats == 0 {
		c.MaxStats = DefaultMaxStats
	}
	if c.MaxListBytes == 0 {
		c.MaxListBytes = DefaultMaxListBytes
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Validate reports a configuration that cannot work.
func (c *MetaConfig) Validate() error {
	var errs []error
	for _, ttl := range []struct {
		name string
		d    time.Duration
	}{{"stat", c.StatTTL}, {"list", c.ListTTL}, {"negative", c.NegativeTTL}} {
		if ttl.d < 0 {
			errs = append(errs, fmt.Errorf("%s TTL %v is negative", ttl.name, ttl.d))
		}
	}
	if c.MaxDirs <= 0 || c.MaxStats <= 0 || c.MaxListBytes <= 0 {
		errs = append(errs, fmt.Errorf("max dirs (%d), max stats (%d) and max list bytes (%d) must be positive",
			c.MaxDirs, c.MaxStats, c.MaxListBytes))
	}
	if c.Clock == nil {
		errs = append(errs, errors.New("clock must be set (call SetDefaults)"))
	}
	return errors.Join(errs...)
}
