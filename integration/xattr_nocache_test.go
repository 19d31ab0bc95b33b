//go:build linux

package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestXattrGetfattrNoStatCache: with --stat-ttl 0 (no attribute cache)
// `getfattr -d` still shows everything HeadObject says, the version id
// and user metadata included: its list read follows the size query that
// HEADed the object.
func TestXattrGetfattrNoStatCache(t *testing.T) {
	t.Parallel()
	requireTool(t, "getfattr")
	srv := requireMountable(t)
	sdk := srv.SDK()
	bucket := srv.NewVersionedBucket(t)
	if _, err := sdk.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("f.txt"),
		Body: strings.NewReader("body"), Metadata: map[string]string{"color": "red"}}); err != nil {
		t.Fatal(err)
	}
	m := mount(t, "s3://"+bucket, "--stat-ttl", "0")
	sameAttrs(t, "f.txt", getfattrDump(t, m.Path("f.txt")), headXattrs(t, sdk, bucket, "f.txt"))
}
