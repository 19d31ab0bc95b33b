package main

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:         "version",
		Usage:        "print the objfs version and the Go version it was built with",
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("version", "version takes no arguments")
			}
			_, err := fmt.Fprintln(c.App.Writer, versionString())
			return err
		},
	}
}

func versionString() string {
	return fmt.Sprintf("objfs %s (%s, %s/%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
