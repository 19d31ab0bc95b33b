package testenv

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestTLSMinIO: the TLS server answers HTTPS with the certificate in
// CAFile and takes SSE-C and SSE-KMS writes.
func TestTLSMinIO(t *testing.T) {
	srv := NewTLSMinIO(t)
	if !strings.HasPrefix(srv.Endpoint, "https://") || srv.CAFile == "" {
		t.Fatalf("endpoint %s, CA file %q", srv.Endpoint, srv.CAFile)
	}
	if err := srv.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	bkt := srv.NewBucket(t)
	key := bytes.Repeat([]byte{7}, 32)
	sum := md5.Sum(key)
	_, err := srv.SDK().PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bkt, Key: aws.String("c"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(key)),
		SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	if err != nil {
		t.Errorf("SSE-C put: %v", err)
	}
	_, err = srv.SDK().PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bkt, Key: aws.String("k"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(TLSKMSKeyID)})
	if err != nil {
		t.Errorf("SSE-KMS put: %v", err)
	}
}
