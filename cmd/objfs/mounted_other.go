//go:build !linux

package main

// mountedFS reports nothing where there is no /proc mount table: mounting
// over a mount point is then left to the kernel and macFUSE.
func mountedFS(dir string) (string, bool) { return "", false }
