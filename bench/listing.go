//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// timeTool runs a tool (ls -l, find) on the mount, checks that its output
// has want lines, and returns how long it took.
func timeTool(want int, name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout = &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %v: %w", name, args, err)
	}
	d := time.Since(start)
	if got := bytes.Count(out.Bytes(), []byte("\n")); got != want {
		return 0, fmt.Errorf("%s %v printed %d lines, want %d", name, args, got, want)
	}
	return d, nil
}

// rawList lists prefix one level deep (delimiter "/"), every page, and
// returns how long it took and the keys and prefixes seen.
func (e *env) rawList(ctx context.Context, prefix string) (time.Duration, []string, error) {
	start := time.Now()
	var keys []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(benchBucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	for {
		out, err := e.s3.ListObjectsV2(ctx, in)
		if err != nil {
			return 0, nil, err
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		for _, p := range out.CommonPrefixes {
			keys = append(keys, *p.Prefix)
		}
		if !aws.ToBool(out.IsTruncated) {
			return time.Since(start), keys, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}
