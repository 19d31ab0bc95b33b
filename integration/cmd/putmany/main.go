// Command putmany stores many small objects fast, for tests that need a
// huge directory: COUNT objects PREFIX%06d with tiny bodies, WORKERS PUTs
// at once. Tests build it without the race detector, which would make the
// SDK several times slower than the server.
//
// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY only.
//
//	putmany -endpoint http://127.0.0.1:9000 -bucket b -prefix dir/f -count 100000
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint URL")
	bucket := flag.String("bucket", "", "bucket")
	prefix := flag.String("prefix", "", "key prefix; keys are PREFIX000000, PREFIX000001, ...")
	suffix := flag.String("suffix", "", "key suffix")
	count := flag.Int("count", 0, "number of objects")
	workers := flag.Int("workers", 64, "PUTs in flight")
	create := flag.Bool("create", false, "create the bucket first")
	flag.Parse()
	if err := run(*endpoint, *bucket, *prefix, *suffix, *count, *workers, *create); err != nil {
		fmt.Fprintln(os.Stderr, "putmany:", err)
		os.Exit(1)
	}
}

func run(endpoint, bucket, prefix, suffix string, count, workers int, create bool) error {
	ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if endpoint == "" || bucket == "" || ak == "" || sk == "" || count <= 0 || workers <= 0 {
		return errors.New("need -endpoint, -bucket, -count, -workers and the AWS_* credentials")
	}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = workers, workers
	})
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""), HTTPClient: hc,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if create {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range workers {
		wg.Go(func() {
			for i := range next {
				key := fmt.Sprintf("%s%06d%s", prefix, i, suffix)
				_, err := c.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte(strconv.Itoa(i % 10))),
				})
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("put %s: %w", key, err)
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range count {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
