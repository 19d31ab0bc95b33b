package vfs

import (
	"syscall"
	"testing"
)

// TestParseMode: objfs's, rclone's and s3fs's spellings of a mode, for
// files and directories, and what is refused.
func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		s    string
		typ  uint32
		want uint32
		ok   bool
	}{
		{"0100755", syscall.S_IFREG, 0o755, true}, // objfs
		{"100644", syscall.S_IFREG, 0o644, true},  // rclone (fmt %0o)
		{"40700", syscall.S_IFDIR, 0o700, true},   // rclone, a directory
		{"33261", syscall.S_IFREG, 0o755, true},   // s3fs: 0100755 in decimal
		{"33188", syscall.S_IFREG, 0o644, true},   // s3fs: 0100644
		{"16877", syscall.S_IFDIR, 0o755, true},   // s3fs: 040755
		{"16704", syscall.S_IFDIR, 0o500, true},   // s3fs: 040500, valid octal of a FIFO
		{"104755", syscall.S_IFREG, 0o4755, true}, // setuid kept (the mount is nosuid)
		{"755", syscall.S_IFREG, 0o755, true},
		{"040755", syscall.S_IFREG, 0, false}, // a directory's mode on a file
		{"0120777", syscall.S_IFREG, 0, false},
		{"rwxr-xr-x", syscall.S_IFREG, 0, false},
		{"", syscall.S_IFREG, 0, false},
		{"99999999", syscall.S_IFREG, 0, false},
	} {
		got, ok := parseMode(tc.s, tc.typ)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMode(%q, %o) = %o, %v; want %o, %v", tc.s, tc.typ, got, ok, tc.want, tc.ok)
		}
	}
}
