package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes of the objfs command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	if code, ok := runProbe(); ok { // probe.go: the daemon's readiness check
		os.Exit(code)
	}
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit code.
// Every error ends up here and is printed as one "objfs: ..." line.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	args, err := translateArgs(args, commandNames(app), mountFlags()) // mountopts.go
	args = flagsFirst(args)                                           // connectors.go
	if err == nil {
		err = app.Run(args)
	}
	return reportError(stderr, err)
}

// newApp builds the cli.App with all commands. The app never exits the
// process itself and never prints errors: run does both.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:                 "objfs",
		Usage:                "mount S3-compatible object storage as a local directory",
		UsageText:            "objfs mount [flags] SOURCE MOUNTPOINT\nobjfs mount [flags] --connectors FILE MOUNTPOINT\nobjfs umount MOUNTPOINT\nobjfs connectors check FILE [--path P --op OP]\nobjfs version, objfs --version",
		HideVersion:          true,
		Writer:               stdout,
		ErrWriter:            stderr,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         onUsageError,
		EnableBashCompletion: false,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagVersion, Usage: "print the version (as objfs version does)"},
		},
		Commands: []*cli.Command{
			mountCommand(),
			umountCommand(),
			statusCommand(),
			versionCommand(),
			connectorsCommand(),
			csiCommand(),
			csiMounterCommand(),
		},
		Action: rootAction,
	}
}

// rootAction runs when no known command was given.
func rootAction(c *cli.Context) error {
	if c.Bool(flagVersion) {
		if c.Args().Present() {
			return usageErrorf("", "--version takes no arguments")
		}
		return printVersion(c)
	}
	if c.Args().Present() {
		return usageErrorf("", "unknown command %q", c.Args().First())
	}
	_ = cli.ShowAppHelp(c)
	return usageErrorf("", "a command is required")
}

// usageError is a mistake on the command line: reported with a short hint
// to the command's --help and exit code 2.
type usageError struct {
	command string // "mount", "umount", ... or "" for the app itself
	msg     string
}

func (e *usageError) Error() string { return e.msg }

func usageErrorf(command, format string, args ...any) error {
	return &usageError{command: command, msg: fmt.Sprintf(format, args...)}
}

// onUsageError turns urfave/cli's flag parsing errors into a usageError
// instead of its default "Incorrect Usage" plus the whole help text.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := ""
	if c.Command != nil && c.Command.Name != c.App.Name {
		name = c.Command.Name
	}
	return &usageError{command: name, msg: err.Error()}
}

// reportError prints err as one line and returns the exit code for it.
func reportError(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var se silentExit // daemon.go: printed already
	if errors.As(err, &se) {
		return se.ExitCode()
	}
	fmt.Fprintf(stderr, "objfs: %s\n", oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", strings.TrimSpace("objfs "+ue.command))
		return exitUsage
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 0 {
		return ec.ExitCode()
	}
	return exitFailure
}

// oneLine folds a possibly multi-line message (fusermount output, SDK
// errors) into a single line.
func oneLine(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "objfs: ")
	return strings.Join(strings.Fields(s), " ")
}
