//go:build linux

package integration

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/objfs/objfs/internal/testenv"
)

// mountConnectors writes yaml as a connectors file (mode 0600) and mounts
// it with `objfs mount --connectors FILE ARGS MOUNTPOINT`. ep gives the
// environment's AWS_* credentials (for `credentials: default`) and the
// secret the mount log must never contain; env adds variables (for
// credentials_env). The mount is always torn down when t ends.
func mountConnectors(t *testing.T, ep endpoint, yaml string, env []string, args ...string) *Mount {
	t.Helper()
	m, cmd := connectorsMountCmd(t, ep, yaml, env, args...)
	logf, err := os.Create(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	m.cmd = cmd
	if err := cmd.Start(); err != nil {
		t.Fatalf("start objfs: %v", err)
	}
	m.exited = make(chan struct{})
	go func() { m.exitErr = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(m.cleanup)
	t.Cleanup(func() { os.Remove(connectorsFile(m)) }) // runs before m.cleanup
	m.waitMounted()
	return m
}

// connectorsMountCmd prepares the mount directory, the connectors file and
// the command, without starting it.
func connectorsMountCmd(t *testing.T, ep endpoint, yaml string, env []string, args ...string) (*Mount, *exec.Cmd) {
	t.Helper()
	testenv.RequireFUSE(t)
	parent, dir := newMountDir(t)
	m := &Mount{Dir: dir, LogPath: filepath.Join(parent, "objfs.log"), t: t, secret: ep.SecretKey, parent: parent}
	if err := os.WriteFile(connectorsFile(m), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("OBJFS_TEST_DEBUG") == "1" {
		args = append([]string{"--debug"}, args...)
	}
	if supportsForeground(t) {
		args = append([]string{"--foreground"}, args...) // the harness waits on the process
	}
	argv := append([]string{"mount", "--connectors", connectorsFile(m)}, args...)
	cmd := exec.Command(objfsBinary(t), append(argv, dir)...)
	cmd.Env = append(objfsEnv(t, ep, parent), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return m, cmd
}

var foreground struct {
	once sync.Once
	ok   bool
}

// supportsForeground reports whether the objfs under test has --foreground
// (a daemonising `objfs mount`), which the harness then passes so that it
// can wait on the serving process itself.
func supportsForeground(t *testing.T) bool {
	foreground.once.Do(func() {
		out, _ := exec.Command(objfsBinary(t), "mount", "--help").CombinedOutput()
		foreground.ok = strings.Contains(string(out), "--foreground")
	})
	return foreground.ok
}

// connectorsFile is where mountConnectors writes the connectors file.
func connectorsFile(m *Mount) string { return filepath.Join(m.parent, "connectors.yaml") }

// connectorYAML is one connector entry of a connectors file.
type connectorYAML struct {
	Label, Endpoint, Access string
	Creds                   string // YAML lines for the credentials, indented by 4
	Paths                   []string
}

// connectorsYAML renders a connectors file.
func connectorsYAML(conns ...connectorYAML) string {
	var b strings.Builder
	b.WriteString("connectors:\n")
	for _, c := range conns {
		fmt.Fprintf(&b, "  - label: %s\n    endpoint: %s\n    region: us-east-1\n    path_style: true\n    access: %s\n%s",
			c.Label, c.Endpoint, c.Access, c.Creds)
		if len(c.Paths) > 0 {
			b.WriteString("    paths:\n")
			for _, p := range c.Paths {
				fmt.Fprintf(&b, "      - %q\n", p)
			}
		}
	}
	return b.String()
}

// changeCounter is a reverse proxy in front of MinIO that records every
// request that could change a bucket (any method but GET and HEAD), so
// tests can assert that refused operations sent nothing.
type changeCounter struct {
	URL string

	mu      sync.Mutex // guards changes
	changes []string   // "METHOD URI"
}

func startChangeCounter(t *testing.T, target string) *changeCounter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &changeCounter{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // keep the signed Host
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			c.mu.Lock()
			c.changes = append(c.changes, r.Method+" "+r.URL.RequestURI())
			c.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	c.URL = "http://" + l.Addr().String()
	return c
}

// Take returns the changing requests seen since the last Take.
func (c *changeCounter) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.changes
	c.changes = nil
	return out
}
