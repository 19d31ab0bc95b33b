package main

import (
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"
)

// logOptions is the logging configuration taken from the flags.
type logOptions struct {
	Level  slog.Level
	Format string // "text" or "json"
}

// secretEnvVars are environment variables whose values must never be
// logged, whatever path they take into a message.
var secretEnvVars = []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}

// redacted replaces a secret in a log line.
const redacted = "[REDACTED]"

// minSecretLen: shorter values are not treated as secrets, so that a
// placeholder like "x" does not blank out every log line.
const minSecretLen = 4

// logOptionsFrom reads --log-level, --log-format and --debug. --debug
// lowers the level to debug unless --log-level was given explicitly.
func logOptionsFrom(c *cli.Context) (logOptions, error) {
	level, err := parseLevel(c.String(flagLogLevel))
	if err != nil {
		return logOptions{}, err
	}
	if c.Bool(flagDebug) && !c.IsSet(flagLogLevel) {
		level = slog.LevelDebug
	}
	format := strings.ToLower(strings.TrimSpace(c.String(flagLogFormat)))
	if format != "text" && format != "json" {
		return logOptions{}, fmt.Errorf("invalid --%s %q: want text or json", flagLogFormat, c.String(flagLogFormat))
	}
	return logOptions{Level: level, Format: format}, nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("invalid --%s %q: want debug, info, warn or error", flagLogLevel, s)
}

// newLogger returns a logger writing to w in the chosen format. Every
// attribute and the message pass through a redaction guard: values of
// secretEnvVars (looked up with getenv) and attributes whose key names a
// secret are replaced by [REDACTED].
func newLogger(w io.Writer, opts logOptions, getenv func(string) string) *slog.Logger {
	r := newRedactor(getenv)
	ho := &slog.HandlerOptions{Level: opts.Level, ReplaceAttr: r.replaceAttr}
	if opts.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// redactor scrubs secret values out of log attributes.
type redactor struct {
	secrets []string
}

func newRedactor(getenv func(string) string) *redactor {
	r := &redactor{}
	for _, name := range secretEnvVars {
		if v := strings.TrimSpace(getenv(name)); len(v) >= minSecretLen {
			r.secrets = append(r.secrets, v)
		}
	}
	return r
}

// replaceAttr is a slog.HandlerOptions.ReplaceAttr hook.
func (r *redactor) replaceAttr(_ []string, a slog.Attr) slog.Attr {
	if isSecretKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString, slog.KindAny:
		s := a.Value.String()
		if clean := r.scrub(s); clean != s {
			return slog.String(a.Key, clean)
		}
	}
	return a
}

// scrub replaces every known secret value inside s.
func (r *redactor) scrub(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

// isSecretKey reports whether an attribute key names a credential.
func isSecretKey(key string) bool {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(key))
	for _, word := range []string{"secret", "password", "sessiontoken", "securitytoken", "authorization"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

// routeStdLog sends what libraries print through the standard log package
// (go-fuse does for some warnings) to log, as warnings of component
// "fuse": into --log-file or the daemon's log like every other line,
// never raw to stderr.
func routeStdLog(log *slog.Logger) {
	stdlog.SetFlags(0)
	stdlog.SetOutput(slog.NewLogLogger(log.With("component", "fuse").Handler(), slog.LevelWarn).Writer())
}
