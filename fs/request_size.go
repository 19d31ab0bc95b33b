package fs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Sizes of FUSE requests. The kernel sends reads and writes of at most
// max_pages pages, which the daemon asks for at INIT (go-fuse derives it
// from MaxWrite) and the kernel caps at fs.fuse.max_pages_limit: a
// sysctl since Linux 6.13, default 256 pages (1 MiB), before it a fixed
// 256. go-fuse also caps MaxWrite at the sysctl when the server is made,
// so it must be raised before mounting.
const (
	// DefaultMaxRequestSize is the request size asked for by default:
	// 1 MiB, the kernel's own cap. Measured on the 2-core VM (README,
	// Performance), 16 MiB requests read 16 MiB read(2)s at most ~10%
	// faster (15% with --direct-io) but cost about 100 MiB more resident
	// memory, past the --cache-size + 64 MiB bound, because a reply of
	// several cache blocks is copied into go-fuse's request-sized buffer
	// (one block is written straight from the cache).
	DefaultMaxRequestSize = 1 << 20
	// MinRequestSize and MaxRequestSize bound MountOptions.MaxRequestSize.
	MinRequestSize = 128 << 10
	MaxRequestSize = 16 << 20
	// DefaultMaxBackground is how many asynchronous requests the kernel
	// may have in flight by default.
	DefaultMaxBackground = 64

	pageSize = 4096
	// legacyMaxPages is the kernel's cap without the sysctl.
	legacyMaxPages = 256
)

// maxPagesLimitFile is the sysctl fs.fuse.max_pages_limit.
const maxPagesLimitFile = "/proc/sys/fs/fuse/max_pages_limit"

// CheckRequestSize says whether n is a valid MountOptions.MaxRequestSize.
func CheckRequestSize(n int64) error {
	if n < MinRequestSize || n > MaxRequestSize || n%pageSize != 0 {
		return fmt.Errorf("request size %d: must be a multiple of 4 KiB from 128 KiB to 16 MiB", n)
	}
	return nil
}

// withDefaults fills the zero request size and background count.
func (o MountOptions) withDefaults() MountOptions {
	if o.MaxRequestSize == 0 {
		o.MaxRequestSize = DefaultMaxRequestSize
	}
	if o.MaxBackground == 0 {
		o.MaxBackground = DefaultMaxBackground
	}
	return o
}

// allowRequestSize makes the kernel accept requests of size bytes and
// returns the size it will accept: size, when fs.fuse.max_pages_limit
// allows it or could be raised (root), else what the limit allows. The
// sysctl is system-wide and only ever raised (other FUSE mounts keep the
// sizes they negotiated); what was done is logged once per mount, and a
// limit that cannot be raised never fails the mount.
func allowRequestSize(log *slog.Logger, size int) int {
	got, msg, err := raisePagesLimit(maxPagesLimitFile, size)
	switch {
	case err != nil:
		log.Info(msg, "max_request_size", got, "err", err)
	case msg != "":
		log.Info(msg, "max_request_size", got)
	}
	return got
}

// raisePagesLimit is allowRequestSize on the sysctl at path: the size
// granted and what to log ("" when nothing was done).
func raisePagesLimit(path string, size int) (int, string, error) {
	pages := (size + pageSize - 1) / pageSize
	limit, err := readPagesLimit(path)
	if errors.Is(err, fs.ErrNotExist) {
		if pages <= legacyMaxPages {
			return size, "", nil
		}
		return legacyMaxPages * pageSize, "this kernel has no fs.fuse.max_pages_limit (Linux 6.13+): FUSE requests stay at most 1 MiB", nil
	}
	if err != nil {
		return min(size, legacyMaxPages*pageSize), "cannot read fs.fuse.max_pages_limit: FUSE requests stay at most 1 MiB", err
	}
	if pages <= limit {
		return size, "", nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(pages)), 0); err != nil {
		return limit * pageSize, fmt.Sprintf("cannot raise fs.fuse.max_pages_limit from %d to %d pages (needs root): FUSE requests stay at most %d KiB",
			limit, pages, limit*pageSize>>10), err
	}
	return size, fmt.Sprintf("raised the system-wide fs.fuse.max_pages_limit from %d to %d pages, for FUSE requests of %d KiB", limit, pages, size>>10), nil
}

func readPagesLimit(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s: bad value %q", path, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// readaheadKB is the kernel readahead of a mount whose requests are up to
// size bytes (see kernelReadaheadKB).
func readaheadKB(size int) int {
	return max(kernelReadaheadKB, size>>10)
}
