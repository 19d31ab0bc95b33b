package remote

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ListVersions implements Client. Keys are asked for url-encoded, as in
// List. The SDK hands versions and delete markers over in two lists; they
// are merged back into S3's order: by key, then newest first (the latest
// first; two entries of one key with the same LastModified keep the
// version before the delete marker).
func (s *S3) ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error) {
	in := &s3.ListObjectVersionsInput{Bucket: &req.Bucket, EncodingType: types.EncodingTypeUrl}
	if req.Prefix != "" {
		in.Prefix = &req.Prefix
	}
	if req.Delimiter != "" {
		in.Delimiter = &req.Delimiter
	}
	if req.KeyMarker != "" {
		in.KeyMarker = &req.KeyMarker
		if req.VersionIDMarker != "" {
			in.VersionIdMarker = &req.VersionIDMarker
		}
	}
	if req.MaxKeys > 0 {
		in.MaxKeys = aws.Int32(int32(min(req.MaxKeys, 1<<30)))
	}
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.ListObjectVersions(actx, in)
	if err != nil {
		return VersionPage{}, s.fail(ctx, actx, OpListVersions, req.Bucket, req.Prefix, err)
	}
	page, err := versionPage(out)
	if err != nil {
		return VersionPage{}, &Error{Op: OpListVersions, Bucket: req.Bucket, Key: req.Prefix, Err: err}
	}
	return page, nil
}

func versionPage(out *s3.ListObjectVersionsOutput) (VersionPage, error) {
	dec := keyDecoder(out.EncodingType)
	vs := make([]ObjectVersion, 0, len(out.Versions))
	for _, v := range out.Versions {
		key, err := dec(aws.ToString(v.Key))
		if err != nil {
			return VersionPage{}, err
		}
		vs = append(vs, ObjectVersion{IsLatest: aws.ToBool(v.IsLatest), ObjectInfo: ObjectInfo{
			Key: key, VersionID: aws.ToString(v.VersionId), Size: aws.ToInt64(v.Size),
			ETag: aws.ToString(v.ETag), LastModified: aws.ToTime(v.LastModified),
			StorageClass: string(v.StorageClass)}})
	}
	dms := make([]ObjectVersion, 0, len(out.DeleteMarkers))
	for _, d := range out.DeleteMarkers {
		key, err := dec(aws.ToString(d.Key))
		if err != nil {
			return VersionPage{}, err
		}
		dms = append(dms, ObjectVersion{IsLatest: aws.ToBool(d.IsLatest), DeleteMarker: true, ObjectInfo: ObjectInfo{
			Key: key, VersionID: aws.ToString(d.VersionId), LastModified: aws.ToTime(d.LastModified)}})
	}
	page := VersionPage{Versions: mergeVersions(vs, dms)}
	for _, p := range out.CommonPrefixes {
		prefix, err := dec(aws.ToString(p.Prefix))
		if err != nil {
			return VersionPage{}, err
		}
		page.Prefixes = append(page.Prefixes, prefix)
	}
	if aws.ToBool(out.IsTruncated) {
		next, err := dec(aws.ToString(out.NextKeyMarker))
		if err != nil {
			return VersionPage{}, err
		}
		if next == "" {
			return VersionPage{}, errTruncatedNoMarker
		}
		page.NextKeyMarker, page.NextVersionIDMarker = next, aws.ToString(out.NextVersionIdMarker)
	}
	return page, nil
}

// errTruncatedNoMarker fails a versions page that says more follow but
// gives no key marker to ask for them.
var errTruncatedNoMarker = errors.New("versions listing truncated without a next key marker")

// mergeVersions merges two lists, each in S3's order, into one.
func mergeVersions(a, b []ObjectVersion) []ObjectVersion {
	out := make([]ObjectVersion, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if versionOrder(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// versionOrder orders entries as S3 lists them: by key, the latest
// first, then newest first.
func versionOrder(x, y ObjectVersion) int {
	if c := strings.Compare(x.Key, y.Key); c != 0 {
		return c
	}
	if x.IsLatest != y.IsLatest {
		if x.IsLatest {
			return -1
		}
		return 1
	}
	return cmp.Compare(y.LastModified.UnixNano(), x.LastModified.UnixNano())
}

// HeadVersion implements Client. It is counted and timed as a HeadObject.
func (s *S3) HeadVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	if versionID == "" {
		return ObjectInfo{}, invalid(OpHead, bucket, key, "no version id")
	}
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.HeadObject(actx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, VersionId: &versionID})
	if err != nil {
		return ObjectInfo{}, deleteMarkerNotFound(s.fail(ctx, actx, OpHead, bucket, key, err))
	}
	return headInfo(key, out), nil
}

// deleteMarkerNotFound reclassifies S3's answer to a GET or HEAD of a
// version that is a delete marker (405 Method Not Allowed) as
// ErrNotFound: there are no bytes at that version.
func deleteMarkerNotFound(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusMethodNotAllowed {
		e.Kind = ErrNotFound
		if e.Message == "" {
			e.Message = "the version is a delete marker"
		}
	}
	return err
}

// BucketVersioning implements Client.
func (s *S3) BucketVersioning(ctx context.Context, bucket string) (Versioning, error) {
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.GetBucketVersioning(actx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	if err != nil {
		return VersioningOff, s.fail(ctx, actx, OpGetBucketVersioning, bucket, "", err)
	}
	return Versioning(out.Status), nil
}
