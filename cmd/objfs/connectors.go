package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/acl"
)

// Flags of `objfs connectors check`.
const (
	flagCheckPath  = "path"
	flagCheckOp    = "op"
	flagCheckLabel = "label"
)

func connectorsCommand() *cli.Command {
	return &cli.Command{
		Name:         "connectors",
		Usage:        "work with a connectors file (see `objfs mount --connectors`)",
		OnUsageError: onUsageError,
		Subcommands:  []*cli.Command{connectorsCheckCommand()},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("connectors", "unknown subcommand %q (want check)", c.Args().First())
			}
			return usageErrorf("connectors", "a subcommand is required: check")
		},
	}
}

func connectorsCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "validate a connectors file, print its warnings, and explain the decision for a path",
		ArgsUsage: "FILE",
		Description: "Prints every problem as FILE:LINE: message and exits 1 when the file is not valid.\n" +
			"With --path LABEL/BUCKET/KEY (or BUCKET/KEY and --label) it explains which connector and\n" +
			"which rule allow or deny the operation --op, and the errno. A path ending in / is a directory;\n" +
			"BUCKET alone is the bucket itself. Every pinned object (BUCKET/KEY@VERSIONID) is checked with a\n" +
			"HEAD of that version (the connector's endpoint and credentials); a missing one is reported.\n" +
			"Exits 0 when the file is valid and every pinned version exists, whatever the decision.",
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagCheckPath, Usage: "explain the decision for `PATH`: LABEL/BUCKET/KEY, or BUCKET/KEY with --label"},
			&cli.StringFlag{Name: flagCheckOp, Value: "read", Usage: "the operation to explain: read, list, stat, write, delete or rename (one side of it)"},
			&cli.StringFlag{Name: flagCheckLabel, Usage: "the connector `LABEL` that --path is relative to"},
		},
		Action: connectorsCheckAction,
	}
}

// flagsFirst rewrites `objfs connectors check FILE --path P --op OP`, the
// order README and --help show, into flags before FILE: urfave/cli stops
// parsing flags at the first argument. Flags are kept in their order,
// with their values; after "--" everything is an argument. Any other
// command line is returned unchanged.
func flagsFirst(args []string) []string {
	if len(args) < 3 || args[1] != "connectors" || args[2] != "check" {
		return args
	}
	valued := map[string]bool{}
	for _, f := range connectorsCheckCommand().Flags {
		for _, n := range f.Names() {
			valued[n] = true // every flag of check takes a value
		}
	}
	var flags, pos []string
	rest := args[3:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			pos = append(pos, rest[i:]...)
			i = len(rest)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valued[name] && i+1 < len(rest) {
				flags = append(flags, rest[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out := append([]string{}, args[:3]...)
	out = append(out, flags...)
	return append(out, pos...)
}

// connectorsCheckAction is `objfs connectors check FILE`.
func connectorsCheckAction(c *cli.Context) error {
	args := c.Args().Slice() // flags after FILE were moved before it (flagsFirst)
	if len(args) != 1 {
		return usageErrorf("connectors check", "check takes exactly one argument, FILE (got %d)", len(args))
	}
	op, err := acl.ParseOp(strings.TrimSpace(c.String(flagCheckOp)))
	if err != nil {
		return usageErrorf("connectors check", "--%s: %v", flagCheckOp, err)
	}
	file, err := loadConnectors(args[0], c.App.ErrWriter)
	if err != nil {
		return err
	}
	out := c.App.Writer
	fmt.Fprintf(out, "%s: valid, %d connector(s): %s\n", file.Path, len(file.Connectors), strings.Join(file.Labels(), ", "))
	for _, w := range file.Warnings() {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	for _, conn := range file.Connectors {
		// What mount would refuse here: a credentials_env variable that
		// is not set (the message names the field, never its value).
		if _, err := conn.ResolveCredentials(os.Getenv); err != nil {
			fmt.Fprintf(out, "warning: %v: mount fails in this environment\n", err)
		}
	}
	var pinErr error
	if n := checkPins(c.Context, out, file, os.Getenv); n > 0 {
		pinErr = pinsFailed(n)
	}
	if !c.IsSet(flagCheckPath) {
		return pinErr
	}
	label, p, err := splitCheckPath(file, c.String(flagCheckLabel), c.String(flagCheckPath))
	if err != nil {
		return err
	}
	if _, err = io.WriteString(out, file.Explain(label, p, op)); err != nil {
		return err
	}
	return pinErr
}

// splitCheckPath returns the connector label and the BUCKET/KEY path that
// --path (and --label) name. Without --label the first segment of the
// path must be a label.
func splitCheckPath(file *acl.File, label, p string) (string, string, error) {
	if label != "" {
		if file.Connector(label) == nil {
			return "", "", usageErrorf("connectors check", "no connector labelled %q in %s (labels: %s)",
				label, file.Path, strings.Join(file.Labels(), ", "))
		}
		return label, p, nil
	}
	first, rest, _ := strings.Cut(p, "/")
	if file.Connector(first) == nil {
		return "", "", usageErrorf("connectors check", "--path %q does not start with a connector label (labels: %s); or give --label",
			p, strings.Join(file.Labels(), ", "))
	}
	if rest == "" {
		return "", "", usageErrorf("connectors check", "--path %q names only the connector; add BUCKET or BUCKET/KEY", p)
	}
	return first, rest, nil
}

// loadConnectors loads and validates a connectors file. When it is not
// valid, every problem is printed to stderr as FILE:LINE: message, and
// the returned error (printed by run as one line) sums them up.
func loadConnectors(path string, stderr io.Writer) (*acl.File, error) {
	file, err := acl.Load(path)
	if err == nil {
		return file, nil
	}
	var pe *acl.ParseError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			fmt.Fprintln(stderr, p.Error())
		}
	}
	if errors.Is(err, acl.ErrInsecureFile) {
		// The file mode is the problem to fix first: it comes first.
		first, _, _ := strings.Cut(err.Error(), "\n")
		return nil, errors.New(first)
	}
	if pe != nil {
		return nil, fmt.Errorf("connectors file %s is not valid: %d problem(s), listed above", path, len(pe.Problems))
	}
	return nil, err
}
