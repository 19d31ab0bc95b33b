package fs

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/objfs/objfs/vfs"
)

// spliceOK reports whether go-fuse can splice a reply of vfs.IOSize bytes:
// it grows a pipe to the reply plus a page, which an unprivileged process
// may only do up to /proc/sys/fs/pipe-max-size (1 MiB by default, less than
// a 1 MiB reply with its header); root (CAP_SYS_RESOURCE) may go beyond.
var spliceOK = sync.OnceValue(func() bool {
	if os.Geteuid() == 0 {
		return true
	}
	raw, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		return false
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	return err == nil && limit >= vfs.IOSize+2*os.Getpagesize()
})
