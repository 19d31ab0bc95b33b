package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Timeouts of a server's life cycle.
const (
	readyTimeout = 60 * time.Second // MinIO answering /minio/health/live
	stopTimeout  = 10 * time.Second // SIGTERM to exit, before SIGKILL
)

// rootPrefix names the temporary directory of every server, so that stale
// ones (their test binary died) can be found and removed.
const rootPrefix = "objfs-minio-"

// Server is one MinIO process on 127.0.0.1 serving a temporary directory.
// The exported fields do not change after NewMinIO or MinIO return; Stop and
// Start keep the port, the directory and the credentials.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // MinIO's data directory
	LogPath   string // MinIO's stdout and stderr
	CAFile    string // NewTLSMinIO: the PEM certificate to trust; "" for HTTP

	bin     string
	root    string // temporary directory holding Dir, LogPath, certs
	addr    string // 127.0.0.1:PORT
	console string // console address (the console itself is disabled)
	sdk     *s3.Client
	client  *http.Client // for health probes; trusts CAFile
	env     []string     // more environment for the process (TLS: the KMS key)
	buckets atomic.Int64 // sequence for NewBucket names

	mu     sync.Mutex    // guards cmd and exited
	cmd    *exec.Cmd     // running process, nil when stopped
	exited chan struct{} // closed when cmd has exited
}

// startAttempts bounds the retries of a first start: another process may
// take the free port between our probe and MinIO's bind.
const startAttempts = 3

// startServer creates the directories and credentials of a new server and
// starts it.
func startServer(bin string) (*Server, error) { return startServerIn(bin, "") }

// startServerIn is startServer with the server's directory in parent (""
// for the temp dir).
func startServerIn(bin, parent string) (*Server, error) { return startServerWith(bin, parent, false) }

// startServerWith is startServerIn serving HTTPS when tls (useTLS).
func startServerWith(bin, parent string, tls bool) (*Server, error) {
	var err error
	for range startAttempts {
		var s *Server
		if s, err = tryStartServer(bin, parent, tls); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func tryStartServer(bin, parent string, tls bool) (*Server, error) {
	root, err := os.MkdirTemp(parent, rootPrefix)
	if err != nil {
		return nil, err
	}
	s, err := newServer(bin, root)
	if err == nil && tls {
		err = s.useTLS()
	}
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return s, nil
}

func newServer(bin, root string) (*Server, error) {
	if err := writeOwner(root); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	s := &Server{
		AccessKey: "objfs" + randomHex(6),
		SecretKey: randomHex(20),
		Region:    "us-east-1",
		Dir:       dir,
		LogPath:   filepath.Join(root, "minio.log"),
		bin:       bin,
		root:      root,
		addr:      "127.0.0.1:" + strconv.Itoa(ports[0]),
		console:   "127.0.0.1:" + strconv.Itoa(ports[1]),
	}
	s.Endpoint = "http://" + s.addr
	s.sdk = NewS3Client(s.Endpoint, s.AccessKey, s.SecretKey, s.Region)
	s.client = http.DefaultClient
	return s, nil
}

// SDK returns an S3 client for this server (path-style, static
// credentials), for seeding and checking what objfs shows.
func (s *Server) SDK() *s3.Client { return s.sdk }

// Start starts the MinIO process (again, after Stop) on the same port and
// directory and waits until it answers its liveness probe. Starting a
// running server does nothing.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(s.bin, "server", "--address", s.addr, "--console-address", s.console,
		"--certs-dir", filepath.Join(s.root, "certs"), s.Dir)
	cmd.Env = append(withoutEnv(os.Environ(), "MINIO_"),
		"MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_REGION="+s.Region)
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr(syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(exited); err != nil {
		s.stopLocked()
		return err
	}
	return nil
}

// waitReady polls /minio/health/live until it answers 200, the process
// exits, or readyTimeout passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second, Transport: s.client.Transport}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("minio exited before answering on %s; log:\n%s", s.addr, tail(s.LogPath, 30))
		default:
		}
		resp, err := client.Get(s.Endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("minio did not answer on %s within %v; log:\n%s", s.addr, readyTimeout, tail(s.LogPath, 30))
}

// Stop stops the MinIO process (SIGTERM, then SIGKILL after stopTimeout)
// and keeps its data for Start. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited = nil, nil
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(stopTimeout):
	}
	cmd.Process.Kill()
	<-exited
	return errors.New("minio ignored SIGTERM for " + stopTimeout.String() + " and was killed")
}

// Pid is the process id of the running server, 0 when stopped (the
// bench reads its CPU time from /proc).
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Running reports whether the process is up (it may have crashed since).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// destroy stops the server and removes its directory.
func (s *Server) destroy() error {
	err := s.Stop()
	if rmErr := os.RemoveAll(s.root); err == nil {
		err = rmErr
	}
	return err
}

// Ping checks that the server answers its liveness probe now.
func (s *Server) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/minio/health/live", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("minio liveness probe: %s", resp.Status)
	}
	return nil
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago, for
// tests that need an address nothing listens on.
func FreePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
