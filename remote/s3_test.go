package remote_test

import (
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/remote/remotetest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newMinIOS3 returns an S3 client for the shared MinIO with static
// credentials (the machine's AWS set-up must not matter).
func newMinIOS3(t *testing.T, srv *testenv.Server) *remote.S3 {
	t.Helper()
	c, err := remote.NewS3(t.Context(), remote.S3Config{
		Endpoint:        srv.Endpoint,
		Region:          srv.Region,
		PathStyle:       true,
		AccessKeyID:     srv.AccessKey,
		SecretAccessKey: srv.SecretKey,
		RequestTimeout:  30 * time.Second,
	})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return c
}

func TestS3Conformance(t *testing.T) {
	srv := testenv.MinIO(t)
	remotetest.Run(t, func(t *testing.T) (remote.Client, string) {
		return newMinIOS3(t, srv), srv.NewBucket(t)
	})
}

func TestS3VersionsConformance(t *testing.T) {
	srv := testenv.MinIO(t)
	remotetest.RunVersions(t, func(t *testing.T) (remote.Client, string, func(remote.Versioning)) {
		bucket := srv.NewBucket(t)
		return newMinIOS3(t, srv), bucket, func(v remote.Versioning) { srv.SetVersioning(t, bucket, string(v)) }
	})
}
