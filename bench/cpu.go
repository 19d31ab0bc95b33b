//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTimes is CPU time (user + system) of the three processes of a
// measured read: the bench itself (the reader, or the raw SDK client),
// the objfs daemon (zero for raw reads) and MinIO. On this 2-core machine
// all three share the cores, so their sum per GiB is what bounds
// throughput: the table prints it to show what limits a ratio.
type cpuTimes struct {
	self, daemon, minio time.Duration
	daemonSys           time.Duration // the kernel's share of daemon
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// Linux this runs on).
const clockTick = 10 * time.Millisecond

// sampleCPU reads the CPU times so far of this process, daemonPid (if
// not 0) and minioPid.
func sampleCPU(daemonPid, minioPid int) cpuTimes {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := cpuTimes{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	c.minio, _ = procCPU(minioPid)
	if daemonPid != 0 {
		var sys time.Duration
		c.daemon, sys = procCPU(daemonPid)
		c.daemonSys = sys
	}
	return c
}

// since is the CPU each process used between start and c.
func (c cpuTimes) since(start cpuTimes) cpuTimes {
	return cpuTimes{self: c.self - start.self, daemon: c.daemon - start.daemon,
		minio: c.minio - start.minio, daemonSys: c.daemonSys - start.daemonSys}
}

// perGiB scales d, spent on n bytes, to seconds per GiB.
func perGiB(d time.Duration, n int64) float64 {
	return d.Seconds() * float64(1<<30) / float64(n)
}

// procCPU returns the user+system and the system CPU time of pid
// (proc(5): fields 14 utime and 15 stime of /proc/PID/stat).
func procCPU(pid int) (total, sys time.Duration) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// The command name (field 2) may hold spaces; fields count from ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick, time.Duration(st) * clockTick
}
