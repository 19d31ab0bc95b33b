package main

import (
	"bytes"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// logSink is where the logs of a serving objfs go: --log-file when given,
// else stderr in the foreground, else (a daemon) syslog, which is the
// journal on systemd hosts.
type logSink struct {
	w    io.Writer
	file *os.File // the --log-file, or nil
	// note is a warning for the user about the destination, shown once
	// the mount is ready (so that a failing mount still prints one line).
	note string
}

// openLogSink opens the destination for this process. A daemon without
// syslog logs nowhere, and says so (note) once ready.
func openLogSink(c *cli.Context, daemon bool, stderr io.Writer) (*logSink, error) {
	if path := c.String(flagLogFile); path != "" {
		f, err := openLogFile(path)
		if err != nil {
			return nil, err
		}
		return &logSink{w: f, file: f}, nil
	}
	if !daemon {
		return &logSink{w: stderr}, nil
	}
	w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "objfs")
	if err != nil {
		return &logSink{w: io.Discard, note: "objfs: " + logNote(fmt.Errorf("%w: %v", errNoSyslog, err))}, nil
	}
	return &logSink{w: &syslogWriter{w: w}}, nil
}

// openLogFile opens path for appending (0640), creating it.
func openLogFile(path string) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, usageErrorf("mount", "invalid --%s %q: %v", flagLogFile, path, err)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("cannot open the log file: %w", err)
	}
	return f, nil
}

// where names the destination, for `objfs status`.
func (s *logSink) where() string {
	switch {
	case s == nil:
		return ""
	case s.file != nil:
		return s.file.Name()
	case s.w == io.Discard:
		return "nowhere (no syslog: use --log-file)"
	}
	if _, ok := s.w.(*syslogWriter); ok {
		return "syslog"
	}
	return "stderr"
}

// Close closes the log file, if there is one.
func (s *logSink) Close() error {
	if s.file != nil {
		return s.file.Close()
	}
	if w, ok := s.w.(*syslogWriter); ok {
		return w.w.Close()
	}
	return nil
}

// syslogWriter sends each log line (slog writes a record in one Write) to
// syslog with the priority of its level, text or JSON.
type syslogWriter struct {
	w *syslog.Writer
}

func (s *syslogWriter) Write(p []byte) (int, error) {
	msg := string(bytes.TrimRight(p, "\n"))
	var err error
	switch {
	case levelIs(p, "ERROR"):
		err = s.w.Err(msg)
	case levelIs(p, "WARN"):
		err = s.w.Warning(msg)
	case levelIs(p, "DEBUG"):
		err = s.w.Debug(msg)
	default:
		err = s.w.Info(msg)
	}
	return len(p), err
}

// levelIs reports whether a text or JSON slog line has level lvl.
func levelIs(line []byte, lvl string) bool {
	return bytes.Contains(line, []byte(" level="+lvl)) || bytes.Contains(line, []byte(`"level":"`+lvl))
}
