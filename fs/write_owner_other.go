//go:build !linux

package fs

// groupLeader cannot tell here: threadGroup falls back to /proc, which
// other systems lack, so only the opening thread itself matches.
func groupLeader(uint32) bool { return false }
