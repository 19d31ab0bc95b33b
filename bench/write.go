//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// errNoWriteBack means the mount refused to create a file: this objfs has
// no write-back yet.
var errNoWriteBack = errors.New("write-back not available")

// writeFileSeq writes n bytes to path through the mount in ioSize writes
// and closes it (close returns once S3 has acknowledged the data); it
// returns MB/s for the whole, close included.
func writeFileSeq(path string, n int64) (float64, error) {
	data := dataReader(7, n) // generated before the clock starts
	start := time.Now()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return 0, fmt.Errorf("%w (%v)", errNoWriteBack, err)
	}
	if err != nil {
		return 0, err
	}
	written, err := io.CopyBuffer(f, struct{ io.Reader }{data}, make([]byte, ioSize))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return mbps(written, time.Since(start)), nil
}

// checkSize checks that S3 holds key with size bytes.
func (e *env) checkSize(ctx context.Context, key string, size int64) error {
	out, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	if got := aws.ToInt64(out.ContentLength); got != size {
		return fmt.Errorf("%s has %d bytes in S3, want %d", key, got, size)
	}
	return nil
}

// rawWrite uploads n bytes as key with a multipart upload.
func (e *env) rawWrite(ctx context.Context, key string, n int64) (float64, error) {
	r := dataReader(7, n) // generated before the clock starts
	start := time.Now()
	written, err := e.multipartUpload(ctx, key, r)
	if err != nil {
		return 0, err
	}
	return mbps(written, time.Since(start)), nil
}
