package fs

import (
	"bufio"
	"context"
	"errors"
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
// release of the last descriptor. Once the opener has exited (a script
// that redirected its output and left background jobs writing), no close
// of the opener will come, and a close by any process commits: release
// runs after close has returned, too late to report a failed upload.
// FUSE names the calling thread; threads of one process are matched by
// their thread group (/proc, Linux; on other systems only the same thread
// matches, and the opener is never known to have exited).

// owner is the process that opened a write handle: the calling thread
// and its thread group, read at open while that thread surely lives, so
// that a close by another thread of the process still commits after the
// opening thread has exited (a worker thread that opens a file and hands
// it on; the close would otherwise return before the upload).
type owner struct{ tid, tgid uint32 }

// openerOf returns the owner of a handle opened by the request ctx.
func openerOf(ctx context.Context) owner {
	tid := callerPid(ctx)
	tgid, _ := threadGroup(tid)
	return owner{tid: tid, tgid: tgid}
}

// is reports whether thread tid belongs to the owner's process.
func (o owner) is(tid uint32) bool {
	if tid == o.tid {
		return true
	}
	tg, ok := threadGroup(tid)
	return ok && o.tgid != 0 && tg == o.tgid
}

// mayCommit reports whether a close by thread tid commits: it is the
// owner's, or the owner has exited.
func (o owner) mayCommit(tid uint32) bool {
	return o.is(tid) || o.exited()
}

// exited reports whether the owner's process is known to be gone: no
// longer in /proc, or a zombie (exited, not yet reaped by its parent).
func (o owner) exited() bool {
	if o.tgid == 0 {
		return false
	}
	state, err := statusField(fmt.Sprintf("/proc/%d/status", o.tgid), "State:")
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	return err == nil && (strings.HasPrefix(state, "Z") || strings.HasPrefix(state, "X"))
}

// callerPid returns the thread that made the FUSE request, or 0.
func callerPid(ctx context.Context) uint32 {
	if fc, ok := ctx.(*fuse.Context); ok {
		return fc.Caller.Pid
	}
	return 0
}

// threadGroup returns the process (thread group id) of thread tid: tid
// itself when it leads its thread group (a single-threaded program such
// as cp, one syscall: groupLeader), else read from /proc. Reading the
// status file at every create cost some 30 µs, 4% of the daemon's CPU in
// a `cp -r` of small files.
func threadGroup(tid uint32) (uint32, bool) {
	if tid == 0 {
		return 0, false
	}
	if groupLeader(tid) {
		return tid, true
	}
	v, err := statusField(fmt.Sprintf("/proc/%d/task/%d/status", tid, tid), "Tgid:")
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	return uint32(n), err == nil
}

// statusField returns the value of the line starting with name in a
// /proc status file.
func statusField(file, name string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s: no %s line", file, name)
}
