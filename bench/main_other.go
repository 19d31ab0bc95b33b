//go:build !linux

package main

import (
	"fmt"
	"os"
)

// The bench drops the page cache and reads /proc: Linux only.
func main() {
	fmt.Fprintln(os.Stderr, "bench: runs on Linux only")
	os.Exit(1)
}
