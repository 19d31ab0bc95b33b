package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/objfs/objfs/vfs"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

// Flag names of the write path.
const (
	flagPartSize          = "part-size"
	flagUploadConcurrency = "upload-concurrency"
	flagWriteBufferSize   = "write-buffer-size"
	flagChecksum          = "checksum"
)

// catWriting is the flag category of the write path.
const catWriting = "Writing"

// writeFlags returns the flags of the write path. Staging files of
// appends and overwrites in place live in --cache-dir/staging (the flag is
// defined with the cache flags).
func writeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagPartSize, Category: catWriting, Value: formatSize(vfs.DefaultPartSize),
			Usage: "multipart part `SIZE` of uploads (at least 5M; grows for huge files so that 5T fits in 10,000 parts)"},
		&cli.IntFlag{Name: flagUploadConcurrency, Category: catWriting, Value: vfs.DefaultUploadConcurrency,
			Usage: "part uploads in flight for the whole mount"},
		&cli.StringFlag{Name: flagWriteBufferSize, Category: catWriting, DefaultText: "(upload-concurrency + 2) x part-size",
			Usage: "memory for write buffers of the whole mount, as a `SIZE`: writers wait while it is used up"},
		&cli.StringFlag{Name: flagChecksum, Category: catWriting, Value: string(remote.ChecksumAuto),
			Usage: "how uploads prove their bodies, `MODE`: auto (CRC32C, or Content-MD5 once the server shows it ignores CRC32C), crc32c or md5"},
	}
}

// checksumMode is --checksum (writeConfig checks it).
func checksumMode(c *cli.Context) remote.ChecksumMode {
	return remote.ChecksumMode(strings.ToLower(strings.TrimSpace(c.String(flagChecksum))))
}

// writeConfig maps the write flags, and --cache-dir, onto vfs.WriteConfig.
func writeConfig(c *cli.Context) (vfs.WriteConfig, error) {
	var wc vfs.WriteConfig
	var err error
	if wc.PartSize, err = sizeFlag(c, flagPartSize); err != nil {
		return wc, err
	}
	wc.Concurrency = c.Int(flagUploadConcurrency)
	if wc.Concurrency < 1 {
		return wc, fmt.Errorf("invalid --%s %d: at least 1", flagUploadConcurrency, wc.Concurrency)
	}
	if c.IsSet(flagWriteBufferSize) {
		if wc.BufferBytes, err = sizeFlag(c, flagWriteBufferSize); err != nil {
			return wc, err
		}
		if wc.BufferBytes == 0 {
			return wc, fmt.Errorf("invalid --%s 0: writes need a buffer", flagWriteBufferSize)
		}
	}
	if checksumMode(c).Validate() != nil {
		return wc, fmt.Errorf("invalid --%s %q: auto, crc32c or md5", flagChecksum, c.String(flagChecksum))
	}
	dir := strings.TrimSpace(c.String(flagCacheDir))
	if dir == "" {
		return wc, fmt.Errorf("invalid --%s %q", flagCacheDir, c.String(flagCacheDir))
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return wc, fmt.Errorf("invalid --%s %q: %w", flagCacheDir, c.String(flagCacheDir), err)
	}
	wc.StageDir = vfs.StagingDir(dir)
	return wc, nil
}
