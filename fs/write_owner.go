package fs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// Who closes. The kernel sends FLUSH for every close of a descriptor of
// an open file, including the copies a fork makes: a child that execs
// closes its inherited descriptors (close-on-exec), and each such close
// would commit a file its parent is still writing, cutting a streamed
// upload into a committed prefix plus a staged rewrite. So a flush commits
// only when it comes from the process that opened the handle (as
// mountpoint-s3 does); a close by another process returns at once, and
// the upload is committed by the opener's close or fsync, or by the
// release of the last descriptor. FUSE names the calling thread; threads
// of one process are matched by their thread group (/proc, Linux; on
// other systems only the same thread matches).

// callerPid returns the thread that made the FUSE request, or 0.
func callerPid(ctx context.Context) uint32 {
	if fc, ok := ctx.(*fuse.Context); ok {
		return fc.Caller.Pid
	}
	return 0
}

// sameProcess reports whether threads a and b belong to one process.
func sameProcess(a, b uint32) bool {
	if a == b {
		return true
	}
	ta, ok := threadGroup(a)
	if !ok {
		return false
	}
	tb, ok := threadGroup(b)
	return ok && ta == tb
}

// threadGroup returns the process (thread group id) of thread tid.
func threadGroup(tid uint32) (uint32, bool) {
	if tid == 0 {
		return 0, false
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/status", tid, tid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Tgid:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			return uint32(n), err == nil
		}
	}
	return 0, false
}
