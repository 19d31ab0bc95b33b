package main

import (
	"bytes"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// logSink is where the logs of a serving objfs go: --log-file when given,
// else stderr in the foreground, else (a daemon) syslog, which is the
// journal on systemd hosts, and without syslog (containers) the file
// objfs.log in --cache-dir.
type logSink struct {
	w    io.Writer
	file *os.File // the --log-file or --cache-dir/objfs.log, or nil
	// note is a line for the user about the destination, shown once the
	// mount is ready (so that a failing mount still prints one line).
	note string
	// stderr: the logs go to the process's stderr (the foreground).
	stderr bool
}

// daemonLogName is the file in --cache-dir a daemon without syslog logs to.
const daemonLogName = "objfs.log"

// openLogSink opens the destination for this process.
func openLogSink(c *cli.Context, daemon bool, stderr io.Writer) (*logSink, error) {
	return openLogSinkWith(c.String(flagLogFile), c.String(flagCacheDir), daemon, stderr, dialSyslog)
}

// dialSyslog connects to the local syslog daemon.
func dialSyslog() (*syslog.Writer, error) {
	return syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "objfs")
}

// openLogSinkWith picks the destination: logFile if given, stderr in the
// foreground, syslog (dial) for a daemon, else cacheDir/objfs.log, as
// rclone's and s3fs's users would otherwise lose the logs of a
// background mount in a container. Only when that file cannot be opened
// either are the logs discarded; note says so, or where they go.
func openLogSinkWith(logFile, cacheDir string, daemon bool, stderr io.Writer, dial func() (*syslog.Writer, error)) (*logSink, error) {
	if logFile != "" {
		f, err := openLogFile(logFile)
		if err != nil {
			return nil, err
		}
		return &logSink{w: f, file: f}, nil
	}
	if !daemon {
		return &logSink{w: stderr, stderr: true}, nil
	}
	w, err := dial()
	if err == nil {
		return &logSink{w: &syslogWriter{w: w}}, nil
	}
	noSyslog := fmt.Errorf("%w: %v", errNoSyslog, err)
	path, f, ferr := openDaemonLog(cacheDir)
	if ferr != nil {
		return &logSink{w: io.Discard, note: "objfs: " + logNote(fmt.Errorf("%w; %v", noSyslog, ferr))}, nil
	}
	return &logSink{w: f, file: f, note: fmt.Sprintf("objfs: %s: logging to %s (--%s FILE to choose)", errNoSyslog, path, flagLogFile)}, nil
}

// openDaemonLog creates cacheDir (0700, as the cache would) and opens
// cacheDir/objfs.log for appending.
func openDaemonLog(cacheDir string) (string, *os.File, error) {
	if strings.TrimSpace(cacheDir) == "" {
		return "", nil, fmt.Errorf("no --%s", flagCacheDir)
	}
	dir, err := filepath.Abs(cacheDir)
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("cannot create --%s: %w", flagCacheDir, err)
	}
	path := filepath.Join(dir, daemonLogName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return "", nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return path, f, nil
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
