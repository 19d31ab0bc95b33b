package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestAwaitChildReady: the readiness line releases the parent with nil.
func TestAwaitChildReady(t *testing.T) {
	relayed := make(chan struct{})
	close(relayed)
	if err := awaitChild(nil, strings.NewReader(readyMessage), relayed); err != nil {
		t.Fatal(err)
	}
}

// TestAwaitChildFails: a child that exits without reporting ready gives
// its exit status, silently (it printed its own error).
func TestAwaitChildFails(t *testing.T) {
	cmd := exec.Command("sh", "-c", "echo 'objfs: endpoint http://x refused' >&2; exit 3")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	relayed := make(chan struct{})
	close(relayed)
	err := awaitChild(cmd, strings.NewReader(""), relayed)
	se, ok := err.(silentExit)
	if !ok || se.ExitCode() != 3 {
		t.Fatalf("err %v, want silentExit(3)", err)
	}
	var out bytes.Buffer
	if code := reportError(&out, err); code != 3 || out.Len() != 0 {
		t.Fatalf("reportError: exit %d, printed %q; want 3 and nothing", code, out.String())
	}

	cmd = exec.Command("true")
	cmd.Start()
	err = awaitChild(cmd, strings.NewReader("garbage"), relayed)
	if err == nil || !strings.Contains(err.Error(), "ended before the mount was ready") {
		t.Fatalf("child exiting 0 without ready: %v", err)
	}
}

func TestSyslogLevels(t *testing.T) {
	for _, tc := range []struct {
		line string
		lvl  string
	}{
		{`time=x level=ERROR msg="read failed"`, "ERROR"},
		{`{"time":"x","level":"WARN","msg":"m"}`, "WARN"},
		{`time=x level=INFO msg=m`, "INFO"},
	} {
		if !levelIs([]byte(tc.line), tc.lvl) {
			t.Errorf("%q not at %s", tc.line, tc.lvl)
		}
	}
	if levelIs([]byte(`time=x level=INFO msg="level=ERROR inside"`), "WARN") {
		t.Error("false match")
	}
}
