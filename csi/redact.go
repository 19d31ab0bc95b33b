package csi

import (
	"sort"
	"strings"
)

// redacted stands for a secret's value in a message.
const redacted = "[REDACTED]"

// minSecretLen: shorter values are not scrubbed (they would mangle
// ordinary words), as in objfs's own log redaction.
const minSecretLen = 4

// scrubber removes a request's secret values from messages: objfs's and
// S3's errors are not expected to quote them, but a message that did
// would reach the kubelet's events and the plugin's log.
type scrubber []string

// newScrubber knows the values of secrets (a map of a request's secret,
// or KEY=VALUE entries of an environment), and in a value that is a
// file (a credentials file) each line's value after '='.
func newScrubber(secrets map[string]string, env []string) scrubber {
	var vals []string
	add := func(v string) {
		if v = strings.TrimSpace(v); len(v) >= minSecretLen {
			vals = append(vals, v)
		}
	}
	all := make([]string, 0, len(secrets)+len(env))
	for _, v := range secrets {
		all = append(all, v)
	}
	for _, kv := range env {
		if _, v, ok := strings.Cut(kv, "="); ok {
			all = append(all, v)
		}
	}
	for _, v := range all {
		add(v)
		if strings.Contains(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				if _, val, ok := strings.Cut(line, "="); ok {
					add(val)
				}
			}
		}
	}
	// Longest first, so that a value containing another goes whole.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	return vals
}

// scrub returns s with every secret value replaced.
func (s scrubber) scrub(msg string) string {
	for _, v := range s {
		msg = strings.ReplaceAll(msg, v, redacted)
	}
	return msg
}
