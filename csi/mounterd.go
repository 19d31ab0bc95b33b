package csi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MounterConfig is what ServeMounter (objfs csi-mounter) needs.
type MounterConfig struct {
	Socket string // the socket's path; its directory is made 0700
	// Start starts objfs mount with args (MOUNTPOINT last) and the
	// volume's env, serving fuse as the flag in args names, and returns
	// once it serves (its pid), or objfs's one-line error.
	Start func(args, env []string, fuse *os.File) (pid int, err error)
	// Wait returns once the objfs serving target has exited (at once if
	// none does); timedOut after timeout.
	Wait   func(target string, timeout time.Duration) (timedOut bool, err error)
	Logger *slog.Logger // never given the environment
}

// FuseFDArg is the descriptor number the mounter's objfs children serve.
const FuseFDArg = 4

// ServeMounter listens on cfg.Socket and serves hand-off requests until
// ctx ends. The objfs processes it started keep serving after it returns.
func ServeMounter(ctx context.Context, cfg MounterConfig) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	lis, err := listenMounter(cfg.Socket)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { lis.Close() })
	defer stop()
	for {
		c, err := lis.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go serveMounterConn(cfg, c)
	}
}

// listenMounter makes the socket's directory root's alone (0700) and
// listens there.
func listenMounter(socket string) (*net.UnixListener, error) {
	if !filepath.IsAbs(socket) {
		return nil, fmt.Errorf("mounter socket %q is not absolute", socket)
	}
	dir := filepath.Dir(socket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Remove(socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing the old socket: %w", err)
	}
	lis, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: socket, Net: "unixpacket"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(socket, 0o600); err != nil {
		lis.Close()
		return nil, err
	}
	return lis, nil
}

// serveMounterConn answers the one request of c.
func serveMounterConn(cfg MounterConfig, c *net.UnixConn) {
	defer c.Close()
	answer := func(r handoffResponse) {
		b, _ := json.Marshal(r)
		c.Write(b)
	}
	if !peerIsRootOrSelf(c) {
		answer(handoffResponse{Error: "permission denied"})
		return
	}
	buf := make([]byte, maxMessage)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return
	}
	files := receivedFiles(oob[:oobn])
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var req handoffRequest
	if err := json.Unmarshal(buf[:n], &req); err != nil {
		answer(handoffResponse{Error: "bad request: " + err.Error()})
		return
	}
	log := cfg.Logger.With("op", req.Op, "target", req.Target)
	if err := checkRequest(req, len(files)); err != nil {
		log.Warn("refused", "err", err)
		answer(handoffResponse{Error: err.Error()})
		return
	}
	switch req.Op {
	case opMount:
		args := append([]string{"mount", "--fuse-fd", strconv.Itoa(FuseFDArg)}, req.Args...)
		pid, err := cfg.Start(args, req.Env, files[0])
		if err != nil {
			msg := newScrubber(nil, req.Env).scrub(err.Error())
			log.Warn("objfs mount failed", "err", msg)
			answer(handoffResponse{Error: msg})
			return
		}
		log.Info("serving", "pid", pid)
		answer(handoffResponse{PID: pid})
	case opWait:
		timedOut, err := cfg.Wait(req.Target, req.Timeout)
		if err != nil {
			log.Warn("objfs has not exited", "err", err, "timed_out", timedOut)
			answer(handoffResponse{Error: err.Error(), TimedOut: timedOut})
			return
		}
		log.Info("objfs has exited")
		answer(handoffResponse{})
	}
}

// checkRequest refuses what the mounter must not run.
func checkRequest(req handoffRequest, nfiles int) error {
	if !filepath.IsAbs(req.Target) || filepath.Clean(req.Target) != req.Target {
		return fmt.Errorf("target %q is not a clean absolute path", req.Target)
	}
	switch req.Op {
	case opWait:
		if nfiles != 0 || req.Timeout <= 0 {
			return errors.New("a wait takes a timeout and no descriptor")
		}
		return nil
	case opMount:
	default:
		return fmt.Errorf("unknown request %q", req.Op)
	}
	if nfiles != 1 {
		return fmt.Errorf("a mount takes one /dev/fuse descriptor, got %d", nfiles)
	}
	if len(req.Args) == 0 || req.Args[len(req.Args)-1] != req.Target {
		return errors.New("objfs mount's arguments must end with the target")
	}
	for i, a := range req.Args {
		if reservedArg(a) || (a == "-o" || strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--")) && reservedOption(strings.TrimPrefix(a, "-o"), req.Args, i) {
			return fmt.Errorf("argument %q is the mounter's to set", a)
		}
	}
	return nil
}

// reservedArg reports whether a is the flag --fuse-fd or --foreground
// (-f), in any spelling objfs mount takes: one or two dashes, =VALUE.
func reservedArg(a string) bool {
	if !strings.HasPrefix(a, "-") {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name == "fuse-fd" || name == "foreground" || name == "f"
}

// reservedOption reports whether the -o list opts (the next argument for
// a bare -o) sets fuse_fd or foreground.
func reservedOption(opts string, args []string, i int) bool {
	if opts == "" && i+1 < len(args) {
		opts = args[i+1]
	}
	for _, o := range strings.Split(opts, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(o), "=")
		if reservedArg("--" + strings.ReplaceAll(name, "_", "-")) {
			return true
		}
	}
	return false
}

// receivedFiles are the descriptors an SCM_RIGHTS message carried.
func receivedFiles(oob []byte) []*os.File {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var out []*os.File
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
			out = append(out, os.NewFile(uintptr(fd), "fuse"))
		}
	}
	return out
}
