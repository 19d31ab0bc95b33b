//go:build linux

package integration

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/objfs/objfs/internal/testenv"
)

// Tests of the options for public, billed and encrypted buckets, through
// the real binary and the kernel.

// publicReadPolicy lets anyone list bucket and read its objects, as the
// buckets of public datasets do.
const publicReadPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::BUCKET"]},
 {"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::BUCKET/*"]}]}`

// TestAnonymousPublicBucket: --no-sign-request mounts a public-read
// bucket, lists and reads it, and every write is refused with EACCES
// (the bucket left as it was). The mount's environment still holds the
// server's keys: anonymous means they are not used.
func TestAnonymousPublicBucket(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	putObject(t, srv.SDK(), bucket, "data/a.csv", []byte("x,y\n1,2\n"))
	putObject(t, srv.SDK(), bucket, "README", []byte("public\n"))
	policy := string(bytes.ReplaceAll([]byte(publicReadPolicy), []byte("BUCKET"), []byte(bucket)))
	ctx, cancel := s3ctx()
	defer cancel()
	if _, err := srv.SDK().PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy}); err != nil {
		t.Fatal(err)
	}
	before := listKeys(t, srv.SDK(), bucket)

	m := mount(t, "s3://"+bucket, "--no-sign-request")
	if got := readDirNames(t, m.Dir); !slices.Equal(got, []string{"README", "data"}) {
		t.Errorf("ls: %q", got)
	}
	if got := mustRun(t, "cat", m.Path("data", "a.csv")); got != "x,y\n1,2\n" {
		t.Errorf("data/a.csv reads %q", got)
	}
	for name, write := range map[string]func() error{
		"create": func() error {
			f, err := os.OpenFile(m.Path("new.txt"), os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				_, err = f.WriteString("x")
				err = errors.Join(err, f.Close())
			}
			return err
		},
		"mkdir":  func() error { return os.Mkdir(m.Path("newdir"), 0o755) },
		"remove": func() error { return os.Remove(m.Path("README")) },
		"rename": func() error { return os.Rename(m.Path("README"), m.Path("README2")) },
	} {
		if err := write(); !errors.Is(err, syscall.EACCES) {
			t.Errorf("%s on an anonymous mount: %v, want EACCES", name, err)
		}
	}
	if after := listKeys(t, srv.SDK(), bucket); !slices.Equal(after, before) {
		t.Errorf("keys changed: before %q, after %q", before, after)
	}
}

// TestStorageClassReachesS3: with --storage-class, a small file (one
// PUT), a large one (multipart) and a renamed one (server-side copy) are
// all stored in that class, as HeadObject reports.
func TestStorageClassReachesS3(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	m := mount(t, "s3://"+bucket, "-o", "storage_class=REDUCED_REDUNDANCY")
	big := randomBytes(14, 20<<20)
	if err := os.WriteFile(m.Path("small"), []byte("small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.Path("big"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.Path("moved-from"), []byte("moved\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(m.Path("moved-from"), m.Path("moved")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"small", "big", "moved"} {
		head := headObject(t, srv.SDK(), bucket, key, nil)
		if head.StorageClass != types.StorageClassReducedRedundancy {
			t.Errorf("%s: storage class %q, want REDUCED_REDUNDANCY", key, head.StorageClass)
		}
	}
	if got, _ := getObject(t, srv.SDK(), bucket, "big"); !bytes.Equal(got, big) {
		t.Error("big: S3 holds other bytes")
	}
}

// TestSSECRoundTrip: over HTTPS (a self-signed MinIO, trusted through
// --ca-bundle) --sse-c-key-file writes objects S3 cannot serve without
// the key, and reads them back, small, multipart and renamed; a mount
// without the key lists them but cannot read them.
func TestSSECRoundTrip(t *testing.T) {
	testenv.RequireFUSE(t)
	srv := testenv.NewTLSMinIO(t)
	bucket := srv.NewBucket(t)
	key := randomBytes(16, 32)
	keyFile := filepath.Join(t.TempDir(), "sse-c.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ep := serverEndpoint(srv)
	m := mountVia(t, ep, "s3://"+bucket, "--ca-bundle", srv.CAFile, "--sse-c-key-file", keyFile)
	big := randomBytes(15, 20<<20)
	files := map[string][]byte{"small": []byte("secret text\n"), "big": big}
	for name, data := range files {
		if err := os.WriteFile(m.Path(name), data, 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	if err := os.Rename(m.Path("small"), m.Path("renamed")); err != nil {
		t.Fatalf("rename: %v", err)
	}
	files["renamed"] = files["small"]
	delete(files, "small")
	if err := m.Unmount(); err != nil { // nothing cached: reads below go to S3
		t.Fatal(err)
	}

	m = mountVia(t, ep, "s3://"+bucket, "--ca-bundle", srv.CAFile, "-o", "sse_c_key_file="+keyFile)
	for name, data := range files {
		got, err := os.ReadFile(m.Path(name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s through the mount: %d bytes, %v; want the %d written", name, len(got), err, len(data))
		}
		head := headObject(t, srv.SDK(), bucket, name, key)
		if aws.ToString(head.SSECustomerAlgorithm) != "AES256" {
			t.Errorf("%s: SSE-C algorithm %q, want AES256", name, aws.ToString(head.SSECustomerAlgorithm))
		}
		ctx, cancel := s3ctx()
		_, err = srv.SDK().GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(name)})
		cancel()
		if err == nil {
			t.Errorf("%s: S3 serves it without the key", name)
		}
	}

	keyless := mountVia(t, ep, "s3://"+bucket, "--ca-bundle", srv.CAFile)
	if got := readDirNames(t, keyless.Dir); !slices.Equal(got, []string{"big", "renamed"}) {
		t.Errorf("ls without the key: %q", got)
	}
	if got, err := os.ReadFile(keyless.Path("renamed")); err == nil {
		t.Errorf("read without the key: %q", got)
	}
}

// TestSSEKMS: --sse aws:kms with MinIO's static KMS key stores objects
// encrypted with that key, which read back through the mount.
func TestSSEKMS(t *testing.T) {
	testenv.RequireFUSE(t)
	srv := testenv.NewTLSMinIO(t)
	bucket := srv.NewBucket(t)
	m := mountVia(t, serverEndpoint(srv), "s3://"+bucket, "--ca-bundle", srv.CAFile,
		"--sse", "aws:kms", "--sse-kms-key-id", testenv.TLSKMSKeyID)
	data := []byte("kms text\n")
	if err := os.WriteFile(m.Path("f"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(m.Path("f")); err != nil || !bytes.Equal(got, data) {
		t.Errorf("read back %q, %v", got, err)
	}
	head := headObject(t, srv.SDK(), bucket, "f", nil)
	if head.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Errorf("server-side encryption %q, want aws:kms", head.ServerSideEncryption)
	}
}

// headObject heads bucket/key with the SSE-C key sseC (nil for none).
func headObject(t *testing.T, c *s3.Client, bucket, key string, sseC []byte) *s3.HeadObjectOutput {
	t.Helper()
	in := &s3.HeadObjectInput{Bucket: &bucket, Key: &key}
	if sseC != nil {
		sum := md5.Sum(sseC)
		in.SSECustomerAlgorithm = aws.String("AES256")
		in.SSECustomerKey = aws.String(base64.StdEncoding.EncodeToString(sseC))
		in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	}
	ctx, cancel := s3ctx()
	defer cancel()
	out, err := c.HeadObject(ctx, in)
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	return out
}
