package vfs

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/objfs/objfs/remote"
)

// versioningDenied is a client whose credentials may read and list
// versions but not ask GetBucketVersioning (a read-only policy granting
// s3:GetObjectVersion and s3:ListBucketVersions only): 403.
type versioningDenied struct{ remote.Client }

func (versioningDenied) BucketVersioning(_ context.Context, bucket string) (remote.Versioning, error) {
	return remote.VersioningOff, &remote.Error{Op: remote.OpGetBucketVersioning, Bucket: bucket,
		Kind: remote.ErrAccessDenied, Status: 403, Code: "AccessDenied"}
}

// TestAsOfVersioningDenied: credentials that may not ask a bucket's
// versioning state pass the mount-time check (CheckVersioned), so the
// tree must show the bucket too (at the s3:// root and of a connector)
// and let its listings tell, not hide it or fail with EACCES.
func TestAsOfVersioningDenied(t *testing.T) {
	h := newAsOfHistory(t)
	client := versioningDenied{h.count}
	if err := CheckVersioned(context.Background(), client, testBucket); err != nil {
		t.Fatalf("mount-time check: %v", err)
	}
	fsys, err := New(client, Config{AsOf: h.t[3], Write: WriteConfig{StageDir: t.TempDir()},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close(context.Background())
	if got := dirNames(t, fsys.Root()); !slices.Equal(got, []string{testBucket + "/"}) {
		t.Errorf("s3:// root: %q, want the bucket", got)
	}
	if got := readAll(t, lookupFile(t, lookupDir(t, lookupDir(t, fsys.Root(), testBucket), "a"), "k")); !bytes.Equal(got, h.v[3]) {
		t.Fatal("bucket/a/k is not v3")
	}
}
