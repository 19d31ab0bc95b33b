package main

import (
	"bytes"
	"encoding/json"
	"errors"
	stdlog "log"
	"log/slog"
	"os"
	"strings"
	"testing"
)

const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoggerRedactsSecrets(t *testing.T) {
	env := fakeEnv(map[string]string{"AWS_SECRET_ACCESS_KEY": testSecret, "AWS_SESSION_TOKEN": "tok-123456"})
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLogger(&buf, logOptions{Level: slog.LevelDebug, Format: format}, env)
		log.Info("signing with "+testSecret, "err", errors.New("bad key "+testSecret))
		log.With("session", "x-tok-123456-y").Debug("retry", slog.Group("req", "header", "Bearer "+testSecret))
		log.Info("config", "secret_access_key", "short", "SessionToken", "abc", "password", "p")
		out := buf.String()
		for _, leak := range []string{testSecret, "tok-123456", "short", "=abc", `"abc"`} {
			if strings.Contains(out, leak) {
				t.Errorf("%s: log leaks %q:\n%s", format, leak, out)
			}
		}
		if n := strings.Count(out, redacted); n < 7 {
			t.Errorf("%s: %d redactions, want >= 7:\n%s", format, n, out)
		}
	}
}

func TestLoggerKeepsOrdinaryValues(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, logOptions{Level: slog.LevelInfo, Format: "json"}, fakeEnv(map[string]string{"AWS_SECRET_ACCESS_KEY": "x"}))
	log.Debug("hidden")
	log.Info("mounted s3://b at /mnt", "next_token", "abc", "bytes", 42)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON record: %v\n%s", err, buf.String())
	}
	if rec["msg"] != "mounted s3://b at /mnt" || rec["next_token"] != "abc" || rec["bytes"] != float64(42) || rec["level"] != "INFO" {
		t.Errorf("record %v", rec)
	}
}

func TestParseLevel(t *testing.T) {
	for s, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warn": slog.LevelWarn, "warning": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := parseLevel(s); err != nil || got != want {
			t.Errorf("parseLevel(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := parseLevel("trace"); err == nil {
		t.Error("trace accepted")
	}
}

// TestRouteStdLog: lines libraries print with the standard log package
// (some of go-fuse's) reach the mount's logger, not raw stderr.
func TestRouteStdLog(t *testing.T) {
	var buf bytes.Buffer
	t.Cleanup(func() {
		stdlog.SetOutput(os.Stderr)
		stdlog.SetFlags(stdlog.LstdFlags)
	})
	routeStdLog(slog.New(slog.NewTextHandler(&buf, nil)))
	stdlog.Printf("Short read for input header: %v", 42)
	if got := buf.String(); !strings.Contains(got, "Short read for input header: 42") || !strings.Contains(got, "component=fuse") || !strings.Contains(got, "level=WARN") {
		t.Errorf("the logger got %q", got)
	}
}
