package fs

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// MountFD opens /dev/fuse and mounts it at mountpoint with the options
// Mount would use for opts (mount(2) as go-fuse's direct mount does it:
// the same data string and flags), and returns the descriptor for another
// process to serve with MountOptions.FD: objfs csi mounts, and a mounter
// outside its container serves, so that replacing the plugin's container
// leaves the mount served. Until that server answers the kernel's INIT,
// the mount's callers wait. Only root may call it. It also raises the
// mount's kernel readahead and, for opts.MaxRequestSize, the sysctl
// fs.fuse.max_pages_limit, as Mount does: the server, unprivileged,
// cannot.
func MountFD(mountpoint string, opts MountOptions, log *slog.Logger) (*os.File, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	opts.MaxRequestSize = allowRequestSize(log, opts.MaxRequestSize)
	var st syscall.Stat_t
	if err := syscall.Stat(mountpoint, &st); err != nil {
		return nil, fmt.Errorf("mountpoint %s: %w", mountpoint, err)
	}
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	opts.FD = 0
	mo := kernelOptions(opts, false)
	source := mo.FsName
	if source == "" {
		source = mo.Name
	}
	flags, data := directMountData(int(dev.Fd()), st.Mode, mo.MaxWrite, mo.AllowOther, mo.Options)
	if err := syscall.Mount(source, mountpoint, "fuse."+mo.Name, flags, data); err != nil {
		dev.Close()
		return nil, fmt.Errorf("mount %s: %w", mountpoint, err)
	}
	raiseKernelReadahead(log, mountpoint, readaheadKB(opts.MaxRequestSize))
	return dev, nil
}

// directMountData is mount(2)'s flags and data for a FUSE mount of fd
// over a node of mode rootMode, as go-fuse's mountDirect builds them:
// fd, rootmode, the caller's uid and gid, max_read, then the options,
// of which nodev, nosuid and noexec are flags (always nosuid and nodev).
func directMountData(fd int, rootMode uint32, maxRead int, allowOther bool, options []string) (uintptr, string) {
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	data := []string{
		fmt.Sprintf("fd=%d", fd),
		fmt.Sprintf("rootmode=%o", rootMode&syscall.S_IFMT),
		fmt.Sprintf("user_id=%d", os.Geteuid()),
		fmt.Sprintf("group_id=%d", os.Getegid()),
		fmt.Sprintf("max_read=%d", maxRead),
	}
	for _, o := range options {
		switch o {
		case "nodev":
			flags |= syscall.MS_NODEV
		case "dev":
			flags &^= syscall.MS_NODEV
		case "nosuid":
			flags |= syscall.MS_NOSUID
		case "suid":
			flags &^= syscall.MS_NOSUID
		case "noexec":
			flags |= syscall.MS_NOEXEC
		case "exec":
			flags &^= syscall.MS_NOEXEC
		default:
			data = append(data, o)
		}
	}
	if allowOther {
		data = append(data, "allow_other")
	}
	return flags, strings.Join(data, ",")
}

// checkFuseFD checks that fd is open on a character device (/dev/fuse),
// so that a wrong number fails here, not inside go-fuse.
func checkFuseFD(fd int) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("FUSE descriptor %d: %w", fd, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFCHR {
		return errors.New("FUSE descriptor " + fmt.Sprint(fd) + " is not /dev/fuse")
	}
	return nil
}

// pollHackName is the name go-fuse answers, at any mount's root, with a
// file whose poll it answers ENOSYS (go-fuse's poll.go).
const pollHackName = ".go-fuse-epoll-hack"

// disablePoll does for a descriptor's mount what go-fuse's WaitMount does
// for its own and cannot for /dev/fd/N: it polls go-fuse's hack file, so
// that the kernel learns now that the server has no poll. Otherwise the
// first open of a file of the mount in this process makes the Go
// runtime's epoll_ctl wait for FUSE_POLL while holding its P, and with
// GOMAXPROCS 1 (or every P so held) nothing is left to answer: the
// process hangs. A mountpoint this process cannot see needs nothing (its
// files are not opened here).
func disablePoll(mountpoint string) {
	fd, err := syscall.Open(filepath.Join(mountpoint, pollHackName), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer syscall.Close(fd)
	unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLPRI | unix.POLLOUT}}, 0)
}
