package testenv

import "syscall"

// childAttr makes the kernel send sig to a child when the test binary
// exits, however it exits (crash, timeout, SIGKILL).
func childAttr(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: sig}
}
