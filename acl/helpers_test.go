package acl

import (
	"testing"
)

// newConn builds a connector from patterns, failing the test on a bad one.
func newConn(t testing.TB, label string, access Access, patterns ...string) *Connector {
	t.Helper()
	ps, err := ParsePatterns(patterns...)
	if err != nil {
		t.Fatal(err)
	}
	return &Connector{Label: label, Access: access, Paths: ps}
}
