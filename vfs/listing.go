package vfs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/objfs/objfs/remote"
)

// listPageSize is MaxKeys for directory listings (S3's maximum).
const listPageSize = 1000

// entry is one name in a directory, with the attributes a listing gives.
type entry struct {
	name  string
	dir   bool
	link  bool // a symbolic link (symlink.go): name is its key without linkSuffix
	size  int64
	etag  string
	mtime time.Time // x-amz-meta-mtime when known (metaMtime), else LastModified
	// metaMtime is true when mtime came from x-amz-meta-mtime (a HEAD);
	// listings do not carry user metadata.
	metaMtime bool
	// stored is the mode and owner the metadata holds (a HEAD; none from
	// a listing), ownership.go.
	stored storedAttrs
	// s3 is the rest of a HEAD's answer, for the extended attributes
	// (xattr.go); nil from a listing.
	s3 *objectMeta
}

// merger folds the pages of one directory's listing into entries: common
// prefixes and "name/" markers become directories, other objects files; the
// directory's own marker is skipped, as are keys that cannot be names; a
// directory hides a file of the same name.
type merger struct {
	bucket, prefix string
	warn           *warnOnce
	byName         map[string]entry
}

func newMerger(bucket, prefix string, warn *warnOnce) *merger {
	return &merger{bucket: bucket, prefix: prefix, warn: warn, byName: make(map[string]entry)}
}

// addPage merges one ListObjectsV2 page.
func (m *merger) addPage(p remote.ListPage) {
	for _, cp := range p.Prefixes {
		name, problem := prefixName(m.prefix, cp)
		if problem != "" {
			m.warn.skipKey(m.bucket, cp, problem)
			continue
		}
		m.add(entry{name: name, dir: true})
	}
	for _, o := range p.Objects {
		name, dir, own, problem := objectName(m.prefix, o.Key)
		switch {
		case own:
		case problem != "":
			m.warn.skipKey(m.bucket, o.Key, problem)
		case dir:
			m.add(entry{name: name, dir: true})
		default:
			e := entry{name: name, size: o.Size, etag: o.ETag, mtime: o.LastModified}
			if target, ok := linkName(name); ok {
				e.name, e.link = target, true
			}
			m.add(e)
		}
	}
}

// add records e; a directory replaces a file or link of the same name,
// and a file a link.
func (m *merger) add(e entry) {
	old, dup := m.byName[e.name]
	switch {
	case !dup:
		m.byName[e.name] = e
	case old.dir && !e.dir:
		m.warn.shadowed(m.bucket, entryKey(m.prefix, e))
	case !old.dir && e.dir:
		m.warn.shadowed(m.bucket, entryKey(m.prefix, old))
		m.byName[e.name] = e
	case old.link && !e.link && !e.dir:
		m.warn.shadowed(m.bucket, entryKey(m.prefix, old))
		m.byName[e.name] = e
	case !old.link && e.link:
		m.warn.shadowed(m.bucket, entryKey(m.prefix, e))
	}
}

// entries returns the merged entries sorted by name.
func (m *merger) entries() []entry {
	out := make([]entry, 0, len(m.byName))
	for _, e := range m.byName {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return out
}

// errRepeatedToken is the error of a listing whose server answered a
// continuation token with that same token: following it would loop
// forever, and stopping there would pass a partial listing off as whole.
// It maps to EIO (errno.go's default). A page that says it is truncated
// but carries no token is refused by remote.S3.List, the only place that
// sees IsTruncated.
var errRepeatedToken = errors.New("server repeated its continuation token")

// listPages is the one ListObjectsV2 paging loop: it lists prefix of
// bucket (rolled up at "/" when delimited, every key under it otherwise)
// in pages of listPageSize and hands each page to fn. A listing is whole
// or an error: a repeated continuation token is errRepeatedToken. Errors
// are wrapped with the bucket and prefix.
func listPages(ctx context.Context, c remote.Client, bucket, prefix string, delimited bool, fn func(remote.ListPage)) error {
	req := remote.ListRequest{Bucket: bucket, Prefix: prefix, MaxKeys: listPageSize}
	if delimited {
		req.Delimiter = "/"
	}
	for {
		page, err := c.List(ctx, req)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		fn(page)
		if page.NextToken == "" {
			return nil
		}
		if page.NextToken == req.Token {
			return fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, errRepeatedToken)
		}
		req.Token = page.NextToken
	}
}

// listDir lists the directory prefix of bucket, streaming every page.
func listDir(ctx context.Context, c remote.Client, bucket, prefix string, warn *warnOnce) ([]entry, error) {
	m := newMerger(bucket, prefix, warn)
	if err := listPages(ctx, c, bucket, prefix, true, m.addPage); err != nil {
		return nil, err
	}
	return m.entries(), nil
}

// listAll lists every key under prefix of bucket (all pages, no
// delimiter): what a directory rename moves.
func listAll(ctx context.Context, c remote.Client, bucket, prefix string) ([]remote.ObjectInfo, error) {
	var out []remote.ObjectInfo
	err := listPages(ctx, c, bucket, prefix, false, func(p remote.ListPage) { out = append(out, p.Objects...) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listBuckets lists the buckets as directory entries.
func listBuckets(ctx context.Context, c remote.Client, warn *warnOnce) ([]entry, error) {
	buckets, err := c.ListBuckets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	out := make([]entry, 0, len(buckets))
	for _, b := range buckets {
		if problem := nameProblem(b.Name); problem != "" {
			warn.skipKey(b.Name, "", problem)
			continue
		}
		out = append(out, entry{name: b.Name, dir: true, mtime: b.Created})
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return out, nil
}
