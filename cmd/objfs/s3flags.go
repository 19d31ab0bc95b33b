package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/remote"
)

// Flags for public, billed and encrypted buckets. None takes a secret:
// an SSE-C key is read from a file, so that it never shows in the
// process's arguments, the mount table or fstab.
const (
	flagNoSignRequest = "no-sign-request"
	flagRequesterPays = "requester-pays"
	flagSSE           = "sse"
	flagSSEKMSKeyID   = "sse-kms-key-id"
	flagSSECKeyFile   = "sse-c-key-file"
	flagStorageClass  = "storage-class"
	flagCABundle      = "ca-bundle"
)

func s3OptionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: flagNoSignRequest, Category: catS3, Usage: "send requests unsigned, without credentials: public buckets (AWS Open Data); writes then fail with EACCES unless the bucket allows anonymous writes"},
		&cli.BoolFlag{Name: flagRequesterPays, Category: catS3, Usage: "accept the charges of a requester-pays bucket (x-amz-request-payer: requester)"},
		&cli.StringFlag{Name: flagSSE, Category: catS3, Usage: "encrypt new objects with `MODE` aws:kms or AES256 (default: the bucket's)"},
		&cli.StringFlag{Name: flagSSEKMSKeyID, Category: catS3, Usage: "the KMS key `ID` (or ARN) for --sse aws:kms (default: the account's S3 key)"},
		&cli.StringFlag{Name: flagSSECKeyFile, Category: catS3, TakesFile: true, Usage: "encrypt and read objects with the SSE-C key in `FILE`: 32 raw bytes, or their base64 (44 characters, surrounding whitespace ignored); HTTPS only"},
		&cli.StringFlag{Name: flagStorageClass, Category: catS3, Usage: "storage `CLASS` of new objects, e.g. STANDARD_IA, INTELLIGENT_TIERING (default: the bucket's)"},
		&cli.StringFlag{Name: flagCABundle, Category: catS3, TakesFile: true, Usage: "trust the PEM certificates in `FILE` for HTTPS too (a self-signed endpoint); default: the system's and AWS_CA_BUNDLE"},
	}
}

// applyS3Options sets the options of s3OptionFlags on cfg. Anonymous
// requests are left to the caller: connectors choose them per connector.
func applyS3Options(c *cli.Context, cfg *remote.S3Config) error {
	cfg.RequesterPays = c.Bool(flagRequesterPays)
	cfg.SSE = strings.TrimSpace(c.String(flagSSE))
	if strings.EqualFold(cfg.SSE, remote.SSES3) {
		cfg.SSE = remote.SSES3
	}
	switch cfg.SSE {
	case remote.SSENone, remote.SSES3, remote.SSEKMS:
	default:
		return fmt.Errorf("invalid --%s %q: want %s or %s", flagSSE, cfg.SSE, remote.SSEKMS, remote.SSES3)
	}
	cfg.SSEKMSKeyID = strings.TrimSpace(c.String(flagSSEKMSKeyID))
	if cfg.SSEKMSKeyID != "" && cfg.SSE != remote.SSEKMS {
		return fmt.Errorf("--%s needs --%s %s", flagSSEKMSKeyID, flagSSE, remote.SSEKMS)
	}
	if f := c.String(flagSSECKeyFile); f != "" {
		if cfg.SSE != remote.SSENone {
			return fmt.Errorf("--%s and --%s exclude each other: an object has one encryption", flagSSE, flagSSECKeyFile)
		}
		key, err := readSSECKey(f)
		if err != nil {
			return err
		}
		cfg.SSECustomerKey = key
	}
	cfg.StorageClass = strings.ToUpper(strings.TrimSpace(c.String(flagStorageClass)))
	cfg.CABundle = c.String(flagCABundle)
	if cfg.CABundle != "" {
		if _, err := os.Stat(cfg.CABundle); err != nil {
			return fmt.Errorf("--%s: %w", flagCABundle, err)
		}
	}
	return nil
}

// readSSECKey reads an SSE-C key file: exactly 32 bytes are the key
// itself; anything else must be the base64 of 32 bytes (44 characters),
// whitespace around it ignored. The message for a bad file never shows
// its content.
func readSSECKey(path string) (remote.SSECKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagSSECKeyFile, err)
	}
	if len(b) == remote.SSECKeySize {
		return remote.SSECKey(b), nil
	}
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil || len(key) != remote.SSECKeySize {
		return nil, fmt.Errorf("--%s %s: want a key of %d raw bytes, or their base64 (44 characters); the file holds %d bytes that are neither",
			flagSSECKeyFile, path, remote.SSECKeySize, len(b))
	}
	return remote.SSECKey(key), nil
}
