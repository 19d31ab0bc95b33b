package fs

import "golang.org/x/sys/unix"

// groupLeader reports whether thread tid leads its thread group (its id
// is the process id): pidfd_open refuses, with EINVAL, a thread that does
// not (without PIDFD_THREAD), and ESRCH a thread that is gone. False
// whenever it cannot tell (kernels before 5.3: ENOSYS).
func groupLeader(tid uint32) bool {
	fd, err := unix.PidfdOpen(int(tid), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}
