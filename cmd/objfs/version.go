package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Set at build time, all optional: go build -ldflags "-X main.version=v1.2.3
// -X main.commit=SHA -X main.modified=true". The build info wins for the
// commit when it has one; these fill in where Go records no VCS stamp
// (a git worktree, whose .git is a file; -buildvcs=false), which is why
// `make build` passes the commit.
var (
	version  = ""
	commit   = ""
	modified = ""
)

const flagVersion = "version"

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:         "version",
		Usage:        "print the objfs version, its commit and the Go version it was built with",
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("version", "version takes no arguments")
			}
			return printVersion(c)
		},
	}
}

func printVersion(c *cli.Context) error {
	_, err := fmt.Fprintln(c.App.Writer, versionString())
	return err
}

func versionString() string {
	info, _ := debug.ReadBuildInfo()
	v := buildVersion(version, vcsStamp{commit, modified == "true"}, info)
	return fmt.Sprintf("objfs %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcsStamp is the commit a binary was built from.
type vcsStamp struct {
	revision string
	modified bool // the work tree had uncommitted changes
}

// buildVersion names the build: the version set with -ldflags, else the
// main module's version from the build info (a tag, or the
// pseudo-version `go build` derives from the checkout), else "dev";
// then the commit (vcs.revision, 12 digits) and "modified" when the work
// tree had uncommitted changes (vcs.modified), from the build info, else
// from ld (the -ldflags commit).
func buildVersion(ldVersion string, ld vcsStamp, info *debug.BuildInfo) string {
	v := ldVersion
	var st vcsStamp
	if info != nil {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				st.revision = s.Value
			case "vcs.modified":
				st.modified = s.Value == "true"
			}
		}
	}
	if st.revision == "" {
		st = ld
	}
	if v == "" {
		v = "dev"
	}
	if st.revision == "" {
		return v
	}
	rev := st.revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v += " commit " + rev
	if st.modified {
		v += ", modified"
	}
	return v
}
