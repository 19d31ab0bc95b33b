package vfs

import "github.com/objfs/objfs/internal/testkit"

const testBucket = testkit.Bucket

// The shared test helpers (internal/testkit) under this package's names.
type testClock = testkit.Clock

var (
	newTestClock = testkit.NewClock
	newFake      = testkit.NewFake
	put          = testkit.Put
	pattern      = testkit.Pattern
)
