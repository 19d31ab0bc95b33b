package metrics

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultNamespace prefixes every metric name.
const DefaultNamespace = "objfs"

// Config configures Metrics. The zero value plus SetDefaults is valid.
type Config struct {
	// Namespace prefixes metric names (DefaultNamespace when empty).
	Namespace string
	// Now returns the current time, for durations (time.Now when nil).
	Now func() time.Time
	// RequestBuckets are the upper bounds, in seconds, of the S3 request
	// latency histogram: from 5 ms to about 40 s by default.
	RequestBuckets []float64
	// OpBuckets are those of the FUSE operation latency histogram: from
	// 50 µs to about 26 s by default (a FLUSH may wait for an upload).
	OpBuckets []float64
}

// SetDefaults fills every zero field.
func (c *Config) SetDefaults() {
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RequestBuckets == nil {
		c.RequestBuckets = prometheus.ExponentialBuckets(0.005, 2, 14)
	}
	if c.OpBuckets == nil {
		c.OpBuckets = prometheus.ExponentialBuckets(0.00005, 2, 20)
	}
}

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate reports what is wrong with c (after SetDefaults).
func (c Config) Validate() error {
	var errs []error
	if !namespaceRE.MatchString(c.Namespace) {
		errs = append(errs, fmt.Errorf("metrics: namespace %q is not a valid metric name prefix", c.Namespace))
	}
	if c.Now == nil {
		errs = append(errs, errors.New("metrics: no clock (call SetDefaults)"))
	}
	for _, b := range [][]float64{c.RequestBuckets, c.OpBuckets} {
		if !increasing(b) {
			errs = append(errs, fmt.Errorf("metrics: latency buckets %v must be positive and increasing", b))
		}
	}
	return errors.Join(errs...)
}

// increasing reports whether b is non-empty, positive and strictly
// increasing, as Prometheus requires of histogram buckets.
func increasing(b []float64) bool {
	if len(b) == 0 || b[0] <= 0 {
		return false
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return false
		}
	}
	return true
}
