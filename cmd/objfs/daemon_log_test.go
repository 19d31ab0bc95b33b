package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noSyslog() (*syslog.Writer, error) { return nil, errors.New("dial unix /dev/log: no such file") }

// TestDaemonLogWithoutSyslog: a daemon with no syslog and no --log-file
// logs to --cache-dir/objfs.log (creating the directory) and says where.
func TestDaemonLogWithoutSyslog(t *testing.T) {
	cacheDir := filepath.Join(t.TempDir(), "cache")
	s, err := openLogSinkWith("", cacheDir, true, io.Discard, noSyslog)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cacheDir, "objfs.log")
	if s.file == nil || !strings.Contains(s.note, "logging to "+path) || strings.Contains(s.note, "\n") {
		t.Fatalf("note %q, file %v: want one line naming %s", s.note, s.file, path)
	}
	if _, err := io.WriteString(s.w, "level=INFO msg=hello\n"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if b, err := os.ReadFile(path); err != nil || string(b) != "level=INFO msg=hello\n" {
		t.Fatalf("log file: %q, %v", b, err)
	}
}

// TestDaemonLogNowhere: when the cache directory cannot hold the log
// either, logs are discarded and the note says so and why.
func TestDaemonLogNowhere(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := openLogSinkWith("", notDir, true, io.Discard, noSyslog)
	if err != nil {
		t.Fatal(err)
	}
	if s.file != nil || !strings.Contains(s.note, "discarded") || !strings.Contains(s.note, "--cache-dir") {
		t.Fatalf("note %q, want discarded and the cache-dir failure", s.note)
	}
}

// TestForegroundLogsToStderr: the foreground never writes a log file.
func TestForegroundLogsToStderr(t *testing.T) {
	var buf bytes.Buffer
	s, err := openLogSinkWith("", t.TempDir(), false, &buf, noSyslog)
	if err != nil || s.w != &buf || s.note != "" {
		t.Fatalf("foreground sink %+v, %v", s, err)
	}
}

// TestWarnUserOnce: a warning reaches the user's stderr once: through the
// log when the logs go there, else as a note printed when ready.
func TestWarnUserOnce(t *testing.T) {
	for _, toUser := range []bool{false, true} {
		s := &serving{events: &lifecycle{toUser: toUser}}
		ctx := context.WithValue(context.Background(), servingKey{}, s)
		warnUser(ctx, nil, "s3://b/p/ holds no objects")
		if got := len(s.events.notes); got != map[bool]int{false: 0, true: 1}[toUser] {
			t.Errorf("toUser %v: notes %q", toUser, s.events.notes)
		}
	}
}
