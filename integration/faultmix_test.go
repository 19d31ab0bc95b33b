//go:build linux

package integration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The fault mix: a workload on the mount through a proxy that injects, at
// a few percent each, the faults S3 clients meet (connection resets, 500,
// 503 SlowDown, stalls longer than the request timeout, answers cut off
// mid-body, answers lost after the server applied the request). What must
// hold: no acknowledged write is lost or torn, and no read returns wrong
// bytes (an error is allowed). Seeded (OBJFS_FAULT_SEED) and bounded.

// faultKind is one injected fault.
type faultKind int

const (
	faultNone faultKind = iota
	faultReset
	fault500
	fault503
	faultStall
	faultTruncate
	faultLoseAnswer
	faultKinds
)

var faultNames = [...]string{"none", "reset", "500", "503", "stall", "truncate", "lose-answer"}

// faultProxy forwards to MinIO and injects faults with probability rate
// each, drawn from a seeded source.
type faultProxy struct {
	URL   string
	stall time.Duration

	on       atomic.Bool
	mu       sync.Mutex // guards rng and injected
	rng      *rand.Rand
	rate     float64
	injected [faultKinds]int
}

func startFaultProxy(t *testing.T, target string, seed uint64, rate float64, stall time.Duration) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{stall: stall, rng: rand.New(rand.NewPCG(seed, 0xfa17)), rate: rate}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // keep the signed Host
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(rp, w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.URL = "http://" + l.Addr().String()
	return p
}

// draw picks the fault for the next request.
func (p *faultProxy) draw() faultKind {
	if !p.on.Load() {
		return faultNone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f := faultNone
	if x := p.rng.Float64(); x < p.rate*float64(faultKinds-1) {
		f = faultKind(1 + int(x/p.rate))
	}
	p.injected[f]++
	return f
}

func (p *faultProxy) serve(rp http.Handler, w http.ResponseWriter, r *http.Request) {
	switch p.draw() {
	case faultReset:
		panic(http.ErrAbortHandler) // closes the connection, nothing sent
	case fault500:
		s3Error(w, http.StatusInternalServerError, "InternalError")
	case fault503:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown")
	case faultStall:
		select {
		case <-time.After(p.stall):
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	case faultTruncate:
		truncated(rp, w, r)
	case faultLoseAnswer:
		serveLost(rp, r)
	default:
		rp.ServeHTTP(w, r)
	}
}

// s3Error answers with an S3 error document.
func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message></Error>`, code)
}

// truncated forwards r, then sends the answer's headers and the first half
// of its body and closes the connection.
func truncated(rp http.Handler, w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if len(body) < 2 {
		panic(http.ErrAbortHandler)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	res := rec.Result()
	res.ContentLength = int64(len(body))
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	res.Body = io.NopCloser(bytes.NewReader(body[:len(body)/2]))
	res.TransferEncoding = nil
	writeCut(buf, res, len(body)/2)
}

// writeCut writes res's status line, headers and n body bytes to buf.
func writeCut(buf *bufio.ReadWriter, res *http.Response, n int) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", res.StatusCode, http.StatusText(res.StatusCode))
	res.Header.Write(buf)
	buf.WriteString("\r\n")
	io.CopyN(buf, res.Body, int64(n))
	buf.Flush()
}

// Injected returns how many of each fault were injected.
func (p *faultProxy) Injected() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for i, n := range p.injected {
		if i > 0 && n > 0 {
			out[faultNames[i]] = n
		}
	}
	return out
}

// TestFaultMix runs a seeded workload of writes (small and multipart),
// overwrites, renames, removals and reads through the fault proxy and then
// checks S3 against what was acknowledged.
func TestFaultMix(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	seed := uint64(envInt("OBJFS_FAULT_SEED", 7))
	nops := envInt("OBJFS_FAULT_OPS", 120)
	proxy := startFaultProxy(t, srv.Endpoint, seed, 0.03, 3*time.Second)
	ep := serverEndpoint(srv)
	ep.URL = proxy.URL
	// A short request timeout makes a stall a stall; the budget leaves
	// room for several faults in a row.
	m := mountVia(t, ep, "s3://"+bucket, "--request-timeout", "2s", "--retry-budget", "20s")
	proxy.on.Store(true)

	r := rand.New(rand.NewPCG(seed, 1))
	// possible[key] lists the contents S3 may hold at the end: the last
	// acknowledged one, plus any attempted since (a failed call may or
	// may not have landed, but never torn); a nil entry: absent.
	possible := map[string][][]byte{}
	acked := map[string][]byte{}
	names := []string{"a", "b", "c", "d", "e", "f"}
	for _, n := range names {
		possible[n] = [][]byte{nil}
	}
	var failed, ok int
	// eio counts the calls that failed with another error than ENOENT
	// (the name absent), by kind of call: with retries sized for S3
	// throttling, a few percent of faults must not fail a call.
	eio := map[string]int{}
	fail := func(kind string, err error) {
		failed++
		if !errors.Is(err, fs.ErrNotExist) {
			eio[kind]++
			t.Logf("%s: %v", kind, err)
		}
	}
	for i := range nops {
		name := names[r.IntN(len(names))]
		p := m.Path(name)
		switch k := r.IntN(10); {
		case k < 4: // write a whole file
			size := r.IntN(200 << 10)
			if r.IntN(10) == 0 {
				size = 12<<20 + r.IntN(1<<20) // multipart
			}
			data := diffBytes(r.Uint64(), size)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				fail("write", err)
				possible[name] = append(possible[name], data)
				continue
			}
			ok++
			acked[name], possible[name] = data, [][]byte{data}
		case k < 7: // read: the acknowledged bytes, or an error
			got, err := os.ReadFile(p)
			if err != nil {
				fail("read", err)
				continue
			}
			ok++
			if want, known := acked[name]; known && len(possible[name]) == 1 && !bytes.Equal(got, want) {
				t.Errorf("op %d: read %s: %d bytes that differ from the %d acknowledged", i, name, len(got), len(want))
			}
		case k < 8: // remove
			if err := os.Remove(p); err != nil {
				fail("remove", err)
				possible[name] = append(possible[name], nil)
				continue
			}
			ok++
			delete(acked, name)
			possible[name] = [][]byte{nil}
		default: // rename onto another name
			to := names[r.IntN(len(names))]
			if to == name {
				continue
			}
			if err := os.Rename(p, m.Path(to)); err != nil {
				fail("rename", err)
				// either name may hold either state now
				possible[to] = append(possible[to], possible[name]...)
				possible[name] = append(possible[name], nil)
				continue
			}
			ok++
			possible[to] = possible[name]
			if a, had := acked[name]; had {
				acked[to] = a
			} else {
				delete(acked, to)
			}
			delete(acked, name)
			possible[name] = [][]byte{nil}
		}
	}
	proxy.on.Store(false)
	t.Logf("seed %d: %d calls succeeded, %d failed; faults injected %v", seed, ok, failed, proxy.Injected())
	if ok == 0 {
		t.Fatal("no call succeeded: the fault rate left nothing to check")
	}
	if len(eio) > 0 {
		t.Errorf("calls failed with other errors than ENOENT under a few percent of faults: %v", eio)
	}

	// What S3 holds, read directly.
	for _, name := range names {
		got, present := getObject(t, srv.SDK(), bucket, name)
		states := possible[name]
		match := false
		for _, s := range states {
			if (s == nil && !present) || (s != nil && present && bytes.Equal(got, s)) {
				match = true
			}
		}
		if !match {
			desc := "absent"
			if present {
				desc = fmt.Sprintf("%d bytes", len(got))
			}
			t.Errorf("%s: S3 holds %s, which is none of the %d states the calls allow (acknowledged: %v)",
				name, desc, len(states), acked[name] != nil)
		}
	}
	// Reads through the mount, faults off, give what S3 holds.
	for _, name := range names {
		want, present := getObject(t, srv.SDK(), bucket, name)
		got, err := os.ReadFile(filepath.Join(m.Dir, name))
		if present && (err != nil || !bytes.Equal(got, want)) {
			t.Errorf("%s: the mount reads %d bytes (%v), S3 holds %d", name, len(got), err, len(want))
		}
	}
}
