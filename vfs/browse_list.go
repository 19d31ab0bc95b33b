package vfs

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/objfs/objfs/remote"
)

// List lists a directory of the version browser from one page of
// ListObjectVersions of the real directory (browse.go): its common
// prefixes as directories, and each version (not delete markers, not
// directory markers) as a file named after it. Every page asks S3 for a
// full page whatever MaxKeys says, so that a one-key probe of a
// directory whose newest entries are delete markers still finds it;
// the token carries the version markers.
func (b *browseClient) List(ctx context.Context, req remote.ListRequest) (remote.ListPage, error) {
	in, err := b.inBrowser(ctx, req.Bucket, req.Prefix)
	if err != nil {
		return remote.ListPage{}, err
	}
	if !in || req.Prefix == b.root+b.name {
		return b.next.List(ctx, req)
	}
	keyMarker, versionMarker, err := decodeBrowseToken(req.Token)
	if err != nil {
		return remote.ListPage{}, &remote.Error{Op: remote.OpList, Bucket: req.Bucket, Key: req.Prefix,
			Kind: remote.ErrInvalidArgument, Message: "bad continuation token", Err: err}
	}
	realPrefix := b.realPrefix(req.Prefix)
	page, err := b.next.ListVersions(ctx, remote.ListVersionsRequest{Bucket: req.Bucket, Prefix: realPrefix,
		Delimiter: req.Delimiter, KeyMarker: keyMarker, VersionIDMarker: versionMarker, MaxKeys: listPageSize})
	if err != nil {
		return remote.ListPage{}, err
	}
	out := remote.ListPage{Objects: []remote.ObjectInfo{}}
	for _, p := range page.Prefixes {
		out.Prefixes = append(out.Prefixes, b.vroot()+strings.TrimPrefix(p, b.root))
	}
	for _, v := range page.Versions {
		if v.DeleteMarker || strings.HasSuffix(v.Key, "/") || v.VersionID == "" ||
			(!b.until.IsZero() && v.LastModified.After(b.until)) {
			continue
		}
		o := v.ObjectInfo
		rel := strings.TrimPrefix(v.Key, b.root)
		dir, base := "", rel
		if i := strings.LastIndexByte(rel, '/'); i >= 0 {
			dir, base = rel[:i+1], rel[i+1:]
		}
		o.Key = b.vroot() + dir + versionName(base, v.LastModified, v.VersionID)
		o.Metadata = nil
		out.Objects = append(out.Objects, o)
	}
	if page.NextKeyMarker != "" {
		out.NextToken = encodeBrowseToken(page.NextKeyMarker, page.NextVersionIDMarker)
	}
	return out, nil
}

// encodeBrowseToken packs the version markers into a continuation token.
func encodeBrowseToken(key, version string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00" + version))
}

func decodeBrowseToken(tok string) (key, version string, err error) {
	if tok == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", "", err
	}
	key, version, _ = strings.Cut(string(b), "\x00")
	return key, version, nil
}
