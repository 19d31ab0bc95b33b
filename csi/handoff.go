package csi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The hand-off: in this mode (Config.MounterSocket set) a publish mounts
// the target itself, with the /dev/fuse descriptor Config.MountFUSE
// opens, and passes the descriptor (SCM_RIGHTS) with objfs mount's
// arguments and the volume's environment to objfs csi-mounter, a
// long-lived process outside the plugin's container that starts the
// objfs serving it. Replacing the plugin's container then leaves every
// mount served. The socket is a SOCK_SEQPACKET Unix socket in a 0700
// directory: each connection carries one request and one response, and
// the secret travels only there and into the objfs child's environment.

// KernelMount is what the mount(2) of a publish needs: the options objfs
// mount would give it.
type KernelMount struct {
	FSName   string // the mount table's source (s3://BUCKET/PREFIX/)
	ReadOnly bool
	NoExec   bool
	// MaxRequestSize is the volume's max-request-size option as given
	// (objfs's SIZE syntax), "" for objfs's default: the mount's max_read.
	MaxRequestSize string
}

// Mounter requests.
const (
	opMount = "mount" // start objfs serving the descriptor
	opWait  = "wait"  // wait until the objfs serving Target has exited
)

// handoffRequest is one request on the mounter socket, JSON.
type handoffRequest struct {
	Op     string `json:"op"`
	Target string `json:"target"` // the mountpoint (absolute, clean)
	// Args are objfs mount's arguments after "mount", Target last; the
	// mounter adds the descriptor's flag.
	Args []string `json:"args,omitempty"`
	// Env holds the volume's variables (its secret's credentials), for
	// the objfs child's environment only.
	Env     []string      `json:"env,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"` // wait: the bound
}

// handoffResponse answers a request: Error is objfs's one-line message.
type handoffResponse struct {
	Error    string `json:"error,omitempty"`
	TimedOut bool   `json:"timedOut,omitempty"` // wait: objfs is still uploading
	PID      int    `json:"pid,omitempty"`      // mount: the objfs now serving
}

// maxMessage bounds one message (a connectors file, a credentials file).
const maxMessage = 1 << 20

// callMounter sends req (with fuse, if not nil) to the mounter at socket
// and returns its answer; ctx bounds the whole exchange.
func callMounter(ctx context.Context, socket string, req handoffRequest, fuse *os.File) (handoffResponse, error) {
	var resp handoffResponse
	var d net.Dialer
	c, err := d.DialContext(ctx, "unixpacket", socket)
	if err != nil {
		return resp, fmt.Errorf("objfs csi-mounter at %s: %w", socket, err)
	}
	conn := c.(*net.UnixConn)
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	msg, err := json.Marshal(req)
	if err != nil {
		return resp, err
	}
	if len(msg) > maxMessage {
		return resp, fmt.Errorf("the mount request is %d bytes, over %d", len(msg), maxMessage)
	}
	var oob []byte
	if fuse != nil {
		oob = syscall.UnixRights(int(fuse.Fd()))
	}
	if _, _, err := conn.WriteMsgUnix(msg, oob, nil); err != nil {
		return resp, fmt.Errorf("sending to objfs csi-mounter: %w", err)
	}
	buf := make([]byte, maxMessage)
	n, err := conn.Read(buf)
	if err != nil {
		if ctx.Err() != nil {
			return resp, fmt.Errorf("objfs csi-mounter did not answer in time: %w", ctx.Err())
		}
		return resp, fmt.Errorf("reading objfs csi-mounter's answer: %w", err)
	}
	if err := json.Unmarshal(buf[:n], &resp); err != nil {
		return resp, fmt.Errorf("objfs csi-mounter's answer: %w", err)
	}
	return resp, nil
}

// handoffRunner mounts in the plugin and hands each mount to the mounter;
// it unmounts with objfs umount and asks the mounter to wait for the
// mount's objfs to exit.
type handoffRunner struct {
	cfg  *Config
	exec execRunner // umount and state
}

func (r handoffRunner) mount(ctx context.Context, argv, env []string, k KernelMount) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.MountTimeout)
	defer cancel()
	target := argv[len(argv)-1]
	fuse, err := r.cfg.MountFUSE(target, k)
	if err != nil {
		return err
	}
	resp, err := callMounter(ctx, r.cfg.MounterSocket, handoffRequest{Op: opMount, Target: target, Args: argv[2:], Env: env}, fuse)
	// The mounter has its own copy now; ours would keep the connection
	// alive after the objfs serving it died.
	fuse.Close()
	if err == nil && resp.Error != "" {
		err = errors.New("objfs mount: " + resp.Error)
	}
	if err == nil {
		if _, alive, serr := r.exec.state(target); serr != nil || !alive {
			err = fmt.Errorf("the mount at %s does not answer after the hand-off (%v)", target, serr)
		}
	}
	if err != nil {
		// Nobody serves it: take the mount away, now.
		if uerr := detach(target); uerr != nil {
			err = fmt.Errorf("%w (unmounting it: %v)", err, uerr)
		}
		return err
	}
	return nil
}

func (r handoffRunner) umount(ctx context.Context, target string) error {
	return r.exec.umount(ctx, target)
}

// settle asks the mounter to wait, bounded by Config.UnmountTimeout, until
// the objfs that served target has flushed and exited; a target with no
// state (never handed off) needs nothing.
func (r handoffRunner) settle(ctx context.Context, target, stateDir string) error {
	if _, err := os.Stat(filepath.Join(stateDir, "volume")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.UnmountTimeout+10*time.Second)
	defer cancel()
	resp, err := callMounter(ctx, r.cfg.MounterSocket, handoffRequest{Op: opWait, Target: target, Timeout: r.cfg.UnmountTimeout}, nil)
	if err != nil {
		return err
	}
	if resp.TimedOut {
		return fmt.Errorf("%s: %w", resp.Error, context.DeadlineExceeded)
	}
	if resp.Error != "" {
		return errors.New(resp.Error)
	}
	return nil
}

func (r handoffRunner) state(target string) (bool, bool, error) { return r.exec.state(target) }
