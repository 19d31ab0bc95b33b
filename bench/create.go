//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Workload 8: many small new files copied in, as `cp -r` of a source tree
// or a dataset does.
const (
	createCount = 1_000
	createSize  = 4 << 10
)

// createPhase: workload 8. objfs: `cp -r` of a local directory of 1,000
// files of 4 KiB into a fresh mount, timed until objfs has exited after
// SIGTERM, when every file is in S3 (the keys are then counted). Raw:
// the same 1,000 PutObjects from one goroutine, one after another, which
// is what cp's one file at a time can at best become. A new file that
// cost two PUTs (an empty one at create, then its content) would show as
// about 0.5x.
func (r *runner) createPhase(ctx context.Context) error {
	src, err := os.MkdirTemp("", "objfs-bench-create-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	tree := filepath.Join(src, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		return err
	}
	body, err := io.ReadAll(dataReader(11, createSize))
	if err != nil {
		return err
	}
	for i := range createCount {
		if err := os.WriteFile(filepath.Join(tree, fmt.Sprintf("c%04d.bin", i)), body, 0o644); err != nil {
			return err
		}
	}
	m, err := r.mount()
	if err != nil {
		return err
	}
	start := time.Now()
	out, cerr := exec.Command("cp", "-r", tree, m.path("cp-r")).CombinedOutput()
	copied := time.Since(start)
	if uerr := r.unmount(m, "cp -r mount"); cerr == nil {
		cerr = uerr
	}
	took := time.Since(start)
	if cerr != nil {
		return fmt.Errorf("cp -r into the mount: %v: %s", cerr, out)
	}
	_, keys, err := r.e.rawList(ctx, "cp-r/")
	files := slices.DeleteFunc(keys, func(k string) bool { return strings.HasSuffix(k, "/") }) // mkdir's marker
	if err != nil || len(files) != createCount {
		return fmt.Errorf("after cp -r, S3 holds %d files under cp-r/ (%v), want %d", len(files), err, createCount)
	}
	rate := createCount / took.Seconds()

	start = time.Now()
	for i := range createCount {
		_, err := r.e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(benchBucket),
			Key: aws.String(fmt.Sprintf("raw-create/c%04d.bin", i)), Body: bytes.NewReader(body)})
		if err != nil {
			return fmt.Errorf("raw PutObject: %w", err)
		}
	}
	raw := createCount / time.Since(start).Seconds()
	logf("cp -r of %d files of %s: cp %v, until objfs exited %v; raw single-stream PutObject %.0f files/s",
		createCount, fmtSize(createSize), copied.Round(time.Millisecond), took.Round(time.Millisecond), raw)
	r.add(row{workload: "8. create 1,000 x 4K files with cp -r, in S3 at exit", unit: "files/s", objfs: rate, raw: raw,
		goal: ">= 0.9x raw", met: judge(rate >= 0.9*raw),
		note: fmt.Sprintf("cp itself %v of the %v; raw: PutObject one at a time", copied.Round(time.Millisecond), took.Round(time.Millisecond))})
	return r.createPeers(ctx, tree)
}
