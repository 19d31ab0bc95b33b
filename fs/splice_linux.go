package fs

import (
	"os"

	"github.com/hanwen/go-fuse/v2/splice"
)

// spliceFits reports whether go-fuse can splice a read reply of size
// bytes: it grows a pipe to the reply, its header and a page, and refuses
// (with a log line) beyond /proc/sys/fs/pipe-max-size as it read it at
// start (1 MiB by default: a 1 MiB reply does not fit). Larger replies are
// read with pread(2) instead (preadResult); `sysctl fs.pipe-max-size`
// of 2 MiB or more, before the daemon starts, lets 1 MiB replies be
// spliced too.
func spliceFits(size int) bool {
	return splice.Resizable() && size+2*os.Getpagesize() <= splice.MaxPipeSize()
}
