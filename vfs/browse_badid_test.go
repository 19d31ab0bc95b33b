package vfs

import (
	"context"
	"io"
	"regexp"
	"testing"

	"github.com/objfs/objfs/remote"
)

// strictVersionIDs refuses a version id of the wrong shape as MinIO does
// (HeadObject and GetObject with ?versionId=bogus: 400 Bad Request,
// ErrInvalidArgument, seen on the test MinIO; AWS answers 400
// InvalidArgument "Invalid version id specified").
type strictVersionIDs struct{ remote.Client }

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func badVersionID(op, bucket, key, id string) error {
	if id == "" || id == remote.NullVersion || uuidShape.MatchString(id) {
		return nil
	}
	return &remote.Error{Op: op, Bucket: bucket, Key: key, Kind: remote.ErrInvalidArgument, Status: 400, Code: "BadRequest"}
}

func (s strictVersionIDs) HeadVersion(ctx context.Context, bucket, key, id string) (remote.ObjectInfo, error) {
	if err := badVersionID(remote.OpHead, bucket, key, id); err != nil {
		return remote.ObjectInfo{}, err
	}
	return s.Client.HeadVersion(ctx, bucket, key, id)
}

func (s strictVersionIDs) Get(ctx context.Context, req remote.GetRequest) (io.ReadCloser, error) {
	if err := badVersionID(remote.OpGet, req.Bucket, req.Key, req.VersionID); err != nil {
		return nil, err
	}
	return s.Client.Get(ctx, req)
}

// TestBrowserBadVersionIDNotFound: a name in the version browser shaped
// like a version's but whose id the server refuses as malformed is no
// version: ENOENT (ErrNotExist), as for any other name that is not
// there, not EINVAL.
func TestBrowserBadVersionIDNotFound(t *testing.T) {
	h := newBrowseHistory(t)
	fsys := newTreeOver(t, strictVersionIDs{h.count}, func(c *Config) { c.VersionsDir = DefaultVersionsDir })
	a := lookupDir(t, lookupDir(t, fsys.Root(), DefaultVersionsDir), "a")
	v := versionsOf(t, h.fake, "a/k")[0]
	mustNotExist(t, a, versionName("k", v.LastModified, "not-a-version-id"))
	lookupFile(t, a, versionName("k", v.LastModified, v.VersionID)) // the real one is there
}
