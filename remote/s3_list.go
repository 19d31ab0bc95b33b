package remote

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// List implements Client. It asks for EncodingType=url, because keys may
// hold characters that XML 1.0 cannot carry, and decodes keys and prefixes
// back before returning them — unless the server ignored the request and
// sent them raw (it then does not echo the encoding type).
func (s *S3) List(ctx context.Context, req ListRequest) (ListPage, error) {
	in := &s3.ListObjectsV2Input{Bucket: &req.Bucket, EncodingType: types.EncodingTypeUrl}
	if req.Prefix != "" {
		in.Prefix = &req.Prefix
	}
	if req.Delimiter != "" {
		in.Delimiter = &req.Delimiter
	}
	if req.Token != "" {
		in.ContinuationToken = &req.Token
	}
	if req.MaxKeys > 0 {
		in.MaxKeys = aws.Int32(int32(min(req.MaxKeys, 1<<30)))
	}
	actx, cancel := s.attempt(ctx)
	defer cancel()
	out, err := s.api.ListObjectsV2(actx, in)
	if err != nil {
		return ListPage{}, s.fail(ctx, actx, OpList, req.Bucket, req.Prefix, err)
	}
	page, err := listPage(out)
	if err != nil {
		return ListPage{}, &Error{Op: OpList, Bucket: req.Bucket, Key: req.Prefix, Err: err}
	}
	return page, nil
}

// errTruncatedNoToken fails a page that says more follow but gives no
// continuation token to ask for them.
var errTruncatedNoToken = errors.New("listing truncated without a continuation token")

func listPage(out *s3.ListObjectsV2Output) (ListPage, error) {
	dec := keyDecoder(out.EncodingType)
	page := ListPage{Objects: make([]ObjectInfo, 0, len(out.Contents))}
	for _, o := range out.Contents {
		key, err := dec(aws.ToString(o.Key))
		if err != nil {
			return ListPage{}, err
		}
		page.Objects = append(page.Objects, ObjectInfo{
			Key:          key,
			Size:         aws.ToInt64(o.Size),
			ETag:         aws.ToString(o.ETag),
			LastModified: aws.ToTime(o.LastModified),
			StorageClass: string(o.StorageClass),
		})
	}
	for _, p := range out.CommonPrefixes {
		prefix, err := dec(aws.ToString(p.Prefix))
		if err != nil {
			return ListPage{}, err
		}
		page.Prefixes = append(page.Prefixes, prefix)
	}
	if aws.ToBool(out.IsTruncated) {
		// Without a token the rest cannot be asked for, and an empty
		// NextToken would tell the caller the listing is whole.
		if page.NextToken = aws.ToString(out.NextContinuationToken); page.NextToken == "" {
			return ListPage{}, errTruncatedNoToken
		}
	}
	return page, nil
}

// keyDecoder returns how to read keys in a response with encoding enc.
// S3 url-encodes like an HTML form (space as "+"), hence QueryUnescape.
func keyDecoder(enc types.EncodingType) func(string) (string, error) {
	if enc != types.EncodingTypeUrl {
		return func(s string) (string, error) { return s, nil }
	}
	return func(s string) (string, error) {
		k, err := url.QueryUnescape(s)
		if err != nil {
			return "", fmt.Errorf("decode url-encoded key %q: %w", s, err)
		}
		return k, nil
	}
}
