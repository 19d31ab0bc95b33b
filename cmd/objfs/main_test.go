package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// runCLI runs the app with args and returns exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"objfs"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestVersion: `objfs version` and `objfs --version` print the same line.
func TestVersion(t *testing.T) {
	var first string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCLI(t, args...)
		if code != exitOK || errOut != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errOut)
		}
		if !strings.HasPrefix(out, "objfs ") || !strings.Contains(out, " ("+runtime.Version()) {
			t.Fatalf("%q: stdout %q", args, out)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("--version %q, version %q", out, first)
		}
	}
}

// TestBuildVersion: the module version and commit come from the build
// info; the -ldflags values fill in where it has none.
func TestBuildVersion(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206070000-3737875c03b2+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "3737875c03b2a9d8e7f6"}, {Key: "vcs.modified", Value: "true"}}}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	tests := []struct {
		name  string
		ldVer string
		ld    vcsStamp
		info  *debug.BuildInfo
		want  string
	}{
		{"stamped clone", "", vcsStamp{}, stamped, "v0.0.0-20261206070000-3737875c03b2+dirty commit 3737875c03b2, modified"},
		{"tagged module", "", vcsStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}, "v1.2.0 commit abc"},
		{"ldflags version wins", "v9.9.9", vcsStamp{}, stamped, "v9.9.9 commit 3737875c03b2, modified"},
		{"worktree: no stamp, make's commit", "", vcsStamp{"0123456789abcdef", false}, devel, "dev commit 0123456789ab"},
		{"nothing known", "", vcsStamp{}, devel, "dev"},
		{"no build info", "", vcsStamp{}, nil, "dev"},
	}
	for _, tt := range tests {
		if got := buildVersion(tt.ldVer, tt.ld, tt.info); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestUsageErrors checks that command-line mistakes give exit 2, the
// message on the first stderr line and a short hint, never the whole help.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the first stderr line
		hint string
	}{
		{"no command", nil, "a command is required", "objfs --help"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, "objfs --help"},
		{"unknown flag", []string{"mount", "--nope", "s3://bkt", "/tmp"}, "flag provided but not defined: -nope", "objfs mount --help"},
		{"one argument", []string{"mount", "s3://bkt"}, "mount needs SOURCE and MOUNTPOINT (got 1 arguments)", "objfs mount --help"},
		{"flag after arguments", []string{"mount", "s3://bkt", "/tmp", "--debug"}, "flag --debug must come before SOURCE and MOUNTPOINT", "objfs mount --help"},
		{"bad file mode", []string{"mount", "--file-mode", "0888", "s3://bkt", "/tmp"}, `invalid --file-mode "0888"`, "objfs mount --help"},
		{"bad duration", []string{"mount", "--stat-ttl", "soon", "s3://bkt", "/tmp"}, "invalid value \"soon\" for flag -stat-ttl", "objfs mount --help"},
		{"bad log level", []string{"mount", "--log-level", "loud", "s3://bkt", "/tmp"}, `invalid --log-level "loud"`, "objfs mount --help"},
		{"bad source", []string{"mount", "http://bkt", "/tmp"}, `source "http://bkt": unsupported scheme "http"`, "objfs mount --help"},
		{"umount without argument", []string{"umount"}, "umount takes exactly one argument", "objfs umount --help"},
		{"version with argument", []string{"version", "x"}, "version takes no arguments", "objfs version --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if !strings.HasPrefix(lines[len(lines)-2], "objfs: ") || !strings.Contains(lines[len(lines)-2], tt.want) {
				t.Errorf("stderr %q, want a line \"objfs: ...%s...\"", errOut, tt.want)
			}
			if !strings.Contains(lines[len(lines)-1], tt.hint) {
				t.Errorf("last stderr line %q, want hint %q", lines[len(lines)-1], tt.hint)
			}
			if tt.args != nil && (strings.Contains(out, "USAGE") || strings.Contains(errOut, "USAGE")) {
				t.Errorf("help text dumped for a usage error: %q %q", out, errOut)
			}
		})
	}
}

// TestRuntimeErrorOneLine: a failure that is not a usage mistake prints
// exactly one line and exits 1.
func TestRuntimeErrorOneLine(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	code, _, errOut := runCLI(t, "mount", "s3://bucket", missing)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	want := "objfs: mountpoint " + missing + " does not exist (create it with mkdir)\n"
	if errOut != want {
		t.Fatalf("stderr %q, want %q", errOut, want)
	}
}

// TestMountNonEmptyRefused: mounting over a directory that holds a file
// (hidden or not) exits 1 with one line naming it, before anything
// starts.
func TestMountNonEmptyRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".profile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "mount", "s3://bucket", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d (stderr %q)", code, exitFailure, errOut)
	}
	want := "objfs: mountpoint " + dir + ` is not empty (it holds ".profile"): the mount would hide its files; use an empty directory or --allow-non-empty` + "\n"
	if errOut != want {
		t.Fatalf("stderr %q, want %q", errOut, want)
	}
}

func TestMountHelpShowsCategories(t *testing.T) {
	code, out, _ := runCLI(t, "mount", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{catS3, catPerms, catCaching, catLogging, "--endpoint", "--file-mode", "--stat-ttl", "--log-format"} {
		if !strings.Contains(out, s) {
			t.Errorf("mount --help lacks %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"secret", "access-key"} {
		if strings.Contains(strings.ToLower(out), "--"+s) {
			t.Errorf("a flag takes a credential: %q", s)
		}
	}
}

// TestDurationFlagsShowDuration: every duration flag shows DURATION as
// its placeholder in --help, not "value".
func TestDurationFlagsShowDuration(t *testing.T) {
	_, out, _ := runCLI(t, "mount", "--help")
	n := 0
	for _, f := range mountFlags() {
		if _, ok := f.(*cli.DurationFlag); !ok {
			continue
		}
		n++
		if name := "--" + f.Names()[0] + " DURATION "; !strings.Contains(out, name) {
			t.Errorf("mount --help lacks %q", name)
		}
	}
	if n < 5 {
		t.Fatalf("only %d duration flags found", n)
	}
}

func TestReportErrorFoldsLines(t *testing.T) {
	var buf bytes.Buffer
	code := reportError(&buf, errString("objfs: fusermount3: failed\n  second line\n"))
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	if got, want := buf.String(), "objfs: fusermount3: failed second line\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if reportError(&buf, nil) != exitOK {
		t.Fatal("nil error is not exit 0")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestMain(m *testing.M) {
	// mountAnswers runs this binary as its probe (probe.go).
	if code, ok := runProbe(); ok {
		os.Exit(code)
	}
	// Keep credentials of the developer's environment out of the tests.
	for _, v := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}
