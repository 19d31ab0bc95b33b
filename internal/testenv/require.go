package testenv

import (
	"os"
	"strings"
	"testing"
)

// Environment variables that turn a missing tool from a skip into a failure.
const (
	EnvRequireMinIO = "OBJFS_REQUIRE_MINIO"
	EnvRequireFUSE  = "OBJFS_REQUIRE_FUSE"
)

// InCI reports whether CI=true (or 1) is set, as CI services do.
func InCI() bool {
	return truthy(os.Getenv("CI"))
}

// required reports whether a test needing what envVar names must fail
// rather than skip when it is missing.
func required(envVar string) bool {
	return InCI() || truthy(os.Getenv(envVar))
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// skipOrFail skips t with reason, or fails it when envVar (or CI) says the
// missing tool is required: CI must never pass by skipping.
func skipOrFail(t testing.TB, envVar, reason string) {
	t.Helper()
	if required(envVar) {
		t.Fatalf("%s (required here: CI=true or %s=1 is set)", reason, envVar)
	}
	t.Skipf("%s (skipping; set %s=1 to make this a failure)", reason, envVar)
}
