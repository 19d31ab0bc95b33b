package remote

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
)

// maxListKeys is S3's cap on entries per ListObjectsV2 page.
const maxListKeys = 1000

// List implements Client. Keys and common prefixes share one sorted
// sequence of entries; MaxKeys counts both, and the continuation token
// names the last entry returned, so the next page starts after it (and
// after every key rolled up into it).
func (f *Fake) List(ctx context.Context, req ListRequest) (ListPage, error) {
	if err := f.begin(ctx, OpList, req.Bucket, req.Prefix); err != nil {
		return ListPage{}, err
	}
	after, ok := decodeToken(req.Token)
	if !ok || req.MaxKeys < 0 {
		return ListPage{}, fail(OpList, req.Bucket, req.Prefix, ErrInvalidArgument, "InvalidArgument")
	}
	limit := req.MaxKeys
	if limit == 0 || limit > maxListKeys {
		limit = maxListKeys
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpList, req.Bucket, req.Prefix)
	if err != nil {
		return ListPage{}, err
	}
	page := b.listPage(req, after, limit)
	if req.Token != "" && f.faults.repeatingToken() {
		page.NextToken = req.Token
	}
	return page, nil
}

// listPage collects up to limit entries after the entry named after;
// f.mu must be held.
func (b *fakeBucket) listPage(req ListRequest, after string, limit int) ListPage {
	page := ListPage{Objects: []ObjectInfo{}}
	start, _ := slices.BinarySearch(b.keys, max(req.Prefix, after))
	last, n := "", 0
	for _, key := range b.keys[start:] {
		if !strings.HasPrefix(key, req.Prefix) {
			break
		}
		entry, isPrefix := listEntry(key, req.Prefix, req.Delimiter)
		if (req.Token != "" && entry <= after) || (n > 0 && entry == last) {
			continue
		}
		if n == limit {
			page.NextToken = encodeToken(last)
			break
		}
		if isPrefix {
			page.Prefixes = append(page.Prefixes, entry)
		} else {
			o := b.objects[key]
			page.Objects = append(page.Objects, ObjectInfo{Key: key, Size: int64(len(o.data)),
				ETag: o.etag, LastModified: o.modified})
		}
		last, n = entry, n+1
	}
	return page
}

// listEntry returns what key contributes to a listing: itself, or the
// common prefix it rolls up into when the delimiter follows the prefix.
func listEntry(key, prefix, delimiter string) (entry string, isPrefix bool) {
	if delimiter == "" {
		return key, false
	}
	rest := key[len(prefix):]
	i := strings.Index(rest, delimiter)
	if i < 0 {
		return key, false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}

const tokenTag = "fake-list:"

func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenTag + last))
}

// decodeToken returns the entry a token names; "" for no token.
func decodeToken(token string) (string, bool) {
	if token == "" {
		return "", true
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(raw), tokenTag) {
		return "", false
	}
	return strings.TrimPrefix(string(raw), tokenTag), true
}
