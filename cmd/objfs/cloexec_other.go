//go:build !linux

package main

// markCloseOnExec has nothing to do where go-fuse's descriptor is opened
// close-on-exec or there is no /proc to list descriptors.
func markCloseOnExec() {}
