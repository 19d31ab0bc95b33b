package main

import (
	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/vfs"
)

// flagVersionsDir is `--versions-dir NAME` (and -o versions_dir=NAME):
// the name of the version browser at each bucket's root (vfs.Config.
// VersionsDir); empty turns it off.
const flagVersionsDir = "versions-dir"

func versionsDirFlag() cli.Flag {
	return &cli.StringFlag{Name: flagVersionsDir, Category: catPerms, Value: vfs.DefaultVersionsDir,
		Usage: "`NAME` of the hidden read-only directory at each bucket root (the mount's prefix for a prefix mount) " +
			"that shows every version of every key as KEY@TIME-VERSIONID; not listed by readdir; empty turns it off"}
}
