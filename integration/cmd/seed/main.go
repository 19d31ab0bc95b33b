// Command seed fills an S3-compatible endpoint with the sample buckets and
// files of `make demo`: a few buckets, nested directories, an explicit
// directory marker, MB-sized binary files and text files. It is idempotent:
// existing buckets are reused and objects rewritten with the same content.
//
// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY only.
//
//	go run ./integration/cmd/seed --endpoint http://127.0.0.1:9000
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:9000", "S3 endpoint URL")
	region := flag.String("region", "us-east-1", "region")
	flag.Parse()
	if err := run(*endpoint, *region); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(endpoint, region string) error {
	ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if ak == "" || sk == "" {
		return errors.New("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	c := s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	objects, size := 0, 0
	for _, b := range sampleBuckets() {
		if err := createBucket(ctx, c, b.name); err != nil {
			return err
		}
		for _, o := range b.objects {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(b.name), Key: aws.String(o.key), Body: bytes.NewReader(o.body),
			})
			if err != nil {
				return fmt.Errorf("put %s/%s: %w", b.name, o.key, err)
			}
			objects++
			size += len(o.body)
		}
	}
	fmt.Printf("seeded %d objects (%.1f MiB) in %d buckets at %s\n",
		objects, float64(size)/(1<<20), len(sampleBuckets()), endpoint)
	return nil
}

func createBucket(ctx context.Context, c *s3.Client, name string) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

type object struct {
	key  string
	body []byte
}

type bucket struct {
	name    string
	objects []object
}

func sampleBuckets() []bucket {
	return []bucket{
		{"demo-datasets", []object{
			{"mnist/README.md", []byte("# MNIST (sample)\n\nRandom bytes standing in for training shards.\n")},
			{"mnist/train/shard-000.bin", pseudoRandom(1, 2<<20)},
			{"mnist/train/shard-001.bin", pseudoRandom(2, 2<<20)},
			{"mnist/train/labels.csv", labels(200)},
			{"mnist/test/shard-000.bin", pseudoRandom(3, 1<<20)},
			{"mnist/validation/", nil}, // a directory marker: an empty directory
			{"imagenet/classes.txt", []byte("tench\ngoldfish\ngreat white shark\n")},
		}},
		{"demo-docs", []object{
			{"hello.txt", []byte("Hello from objfs! This file is an S3 object.\n")},
			{"notes/2024/january.md", []byte("# January\n\n- mounted a bucket\n")},
			{"notes/2024/february.md", []byte("# February\n\n- read it with cat\n")},
			{"name with spaces.txt", []byte("spaces work\n")},
			{"unicode-日本語.txt", []byte("unicode works\n")},
		}},
		{"scratch", nil}, // empty, for README's `cp some-file mnt/scratch/`
		{"demo-logs", []object{
			{"app/2024-01-01.log", logLines("2024-01-01", 500)},
			{"app/2024-01-02.log", logLines("2024-01-02", 500)},
			{"nginx/access.log", logLines("2024-01-02", 2000)},
		}},
	}
}

func pseudoRandom(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(b)
	return b
}

func labels(n int) []byte {
	var b strings.Builder
	b.WriteString("index,label\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%d\n", i, (i*7)%10)
	}
	return []byte(b.String())
}

func logLines(day string, n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sT%02d:%02d:%02dZ INFO request %d served in %dms\n", day, i/3600%24, i/60%60, i%60, i, 3+i%40)
	}
	return []byte(b.String())
}
