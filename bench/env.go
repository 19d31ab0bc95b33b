//go:build linux

package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/objfs/objfs/internal/testenv"
)

// Names of what the bench seeds.
const (
	benchBucket = "objfs-bench"
	bigKey      = "big.bin"
	listPrefix  = "many/"
	smallPrefix = "small/"
	partSize    = 8 << 20 // raw multipart uploads
	uploadConc  = 8       // parts in flight
	seedWorkers = 32
)

// env is the MinIO of one run and an SDK client for it, tuned like objfs's
// own (no compression, enough idle connections for 16 parallel requests)
// so the raw figures are a fair ceiling.
type env struct {
	srv *testenv.Server
	s3  *s3.Client
}

func startEnv() (*env, error) {
	srv, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 64, 64
		tr.DisableCompression = true
		tr.ReadBufferSize, tr.WriteBufferSize = 64<<10, 64<<10
	})
	c := s3.New(s3.Options{
		Region: srv.Region, BaseEndpoint: aws.String(srv.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
		HTTPClient:  hc,
	})
	e := &env{srv: srv, s3: c}
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(benchBucket)}); err != nil {
		srv.Destroy()
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	return e, nil
}

func (e *env) close() error { return e.srv.Destroy() }

// patternSize is the random block that dataReader repeats.
const patternSize = 64 << 20

// dataReader returns n bytes: a 64 MiB pseudo-random block (from seed)
// repeated, so producing data costs a copy and the figures measure
// storage, not a random number generator.
func dataReader(seed uint64, n int64) io.Reader {
	block := make([]byte, patternSize)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}).Read(block)
	return io.LimitReader(&repeater{block: block}, n)
}

type repeater struct {
	block []byte
	off   int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	return n, nil
}

// seedBig uploads the big object.
func (e *env) seedBig(ctx context.Context, size int64) error {
	if _, err := e.multipartUpload(ctx, bigKey, dataReader(1, size)); err != nil {
		return fmt.Errorf("seed %s: %w", bigKey, err)
	}
	return nil
}

// seedMany uploads count objects named prefix+pattern, of size(i) bytes.
func (e *env) seedMany(ctx context.Context, prefix, pattern string, count int, size func(i int) int) error {
	keys := make(map[string]int, count)
	for i := range count {
		keys[prefix+fmt.Sprintf(pattern, i)] = size(i)
	}
	return e.putMany(ctx, keys)
}

// putMany stores key -> size objects of random bytes with seedWorkers
// concurrent PUTs.
func (e *env) putMany(ctx context.Context, sizes map[string]int) error {
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range seedWorkers {
		wg.Go(func() {
			buf := make([]byte, 0, 1<<20)
			for key := range work {
				buf = buf[:sizes[key]]
				rand.NewChaCha8([32]byte{byte(w), byte(len(key))}).Read(buf)
				_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(benchBucket), Key: aws.String(key), Body: bytes.NewReader(buf),
				})
				if err != nil {
					mu.Lock()
					first = cmpErr(first, fmt.Errorf("put %s: %w", key, err))
					mu.Unlock()
				}
			}
		})
	}
	for key := range sizes {
		work <- key
	}
	close(work)
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// multipartUpload uploads r as key in partSize parts, uploadConc in
// flight, and returns the bytes uploaded: what a raw SDK program does to
// write a large object fast.
func (e *env) multipartUpload(ctx context.Context, key string, r io.Reader) (int64, error) {
	cr, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(benchBucket), Key: aws.String(key)})
	if err != nil {
		return 0, err
	}
	up := &uploader{e: e, key: key, id: cr.UploadId}
	total, err := up.run(ctx, r)
	if err != nil {
		e.s3.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{
			Bucket: aws.String(benchBucket), Key: aws.String(key), UploadId: cr.UploadId})
		return 0, err
	}
	_, err = e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(benchBucket), Key: aws.String(key), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: up.parts},
	})
	return total, err
}

// uploader uploads the parts of one multipart upload.
type uploader struct {
	e   *env
	key string
	id  *string

	mu    sync.Mutex // guards parts and err
	parts []types.CompletedPart
	err   error
}

func (u *uploader) run(ctx context.Context, r io.Reader) (int64, error) {
	slots := make(chan struct{}, uploadConc)
	var wg sync.WaitGroup
	var total int64
	for n := int32(1); ; n++ {
		buf := make([]byte, partSize)
		got, err := io.ReadFull(r, buf)
		if got == 0 {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return 0, err
		}
		total += int64(got)
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			u.part(ctx, n, buf[:got])
		})
		if got < partSize {
			break
		}
	}
	wg.Wait()
	slices.SortFunc(u.parts, func(a, b types.CompletedPart) int { return cmp.Compare(*a.PartNumber, *b.PartNumber) })
	return total, u.err
}

func (u *uploader) part(ctx context.Context, n int32, data []byte) {
	out, err := u.e.s3.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(benchBucket), Key: aws.String(u.key), UploadId: u.id,
		PartNumber: aws.Int32(n), Body: bytes.NewReader(data),
	})
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		u.err = cmpErr(u.err, fmt.Errorf("part %d: %w", n, err))
		return
	}
	u.parts = append(u.parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
}
