package vfs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/objfs/objfs/remote"
)

// errNoEntry is returned (wrapping remote.ErrNotFound) when a name does not
// exist in a directory.
var errNoEntry = fmt.Errorf("no such entry: %w", remote.ErrNotFound)

// probeName answers a lookup of name in directory prefix of bucket without
// a listing of the whole directory. A directory wins over a file, so a
// one-key listing of key+"/" is always needed: by default it runs
// concurrently with a HEAD of the key (one round trip for files); when
// name is known to have been a directory (wasDir), the listing runs alone
// first and the HEAD only if the directory is gone, which makes
// revalidating directories on a path one request. A symbolic link is a
// key of its own (name + linkSuffix, symlink.go), HEADed alongside: a
// directory wins over a file, a file over a link.
func probeName(ctx context.Context, c remote.Client, bucket, prefix, name string, wasDir bool, warn *warnOnce) (entry, error) {
	if wasDir {
		isDir, _, err := dirExists(ctx, c, bucket, dirPrefix(prefix, name))
		if err != nil || isDir {
			return entry{name: name, dir: true}, err
		}
	}
	var (
		wg               sync.WaitGroup
		info, link       remote.ObjectInfo
		headErr, linkErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		info, headErr = c.Head(ctx, bucket, fileKey(prefix, name))
	}()
	go func() {
		defer wg.Done()
		if !linkable(name) {
			linkErr = remote.ErrNotFound // no link can have this name
			return
		}
		link, linkErr = c.Head(ctx, bucket, linkKey(prefix, name))
		if errors.Is(linkErr, remote.ErrInvalidArgument) {
			linkErr = remote.ErrNotFound // a key the server refuses holds no link
		}
	}()
	isDir, marker, listErr := false, false, error(nil)
	if !wasDir {
		isDir, marker, listErr = dirExists(ctx, c, bucket, dirPrefix(prefix, name))
	}
	wg.Wait()

	switch {
	case listErr != nil:
		return entry{}, listErr
	case isDir:
		if headErr == nil {
			warn.shadowed(bucket, fileKey(prefix, name))
		}
		if linkErr == nil {
			warn.shadowed(bucket, linkKey(prefix, name))
		}
		e := entry{name: name, dir: true}
		if marker { // its mode and owner (ownership.go); a revalidation (wasDir) keeps the node's
			e.stored = markerAttrs(ctx, c, bucket, dirPrefix(prefix, name))
		}
		return e, nil
	case headErr == nil:
		if linkErr == nil {
			warn.shadowed(bucket, linkKey(prefix, name))
		}
		return entryFromHead(name, info), nil
	case !errors.Is(headErr, remote.ErrNotFound):
		return entry{}, fmt.Errorf("head s3://%s/%s: %w", bucket, fileKey(prefix, name), headErr)
	case linkErr == nil:
		e := entryFromHead(name, link)
		e.link = true
		return e, nil
	case errors.Is(linkErr, remote.ErrNotFound):
		return entry{}, errNoEntry
	}
	return entry{}, fmt.Errorf("head s3://%s/%s: %w", bucket, linkKey(prefix, name), linkErr)
}

// dirExists reports whether any key starts with dir (which ends with
// "/"), and whether dir's marker is one (it sorts first).
func dirExists(ctx context.Context, c remote.Client, bucket, dir string) (exists, marker bool, err error) {
	page, err := c.List(ctx, remote.ListRequest{Bucket: bucket, Prefix: dir, Delimiter: "/", MaxKeys: 1})
	if err != nil {
		return false, false, fmt.Errorf("list s3://%s/%s: %w", bucket, dir, err)
	}
	marker = len(page.Objects) > 0 && page.Objects[0].Key == dir
	return len(page.Objects) > 0 || len(page.Prefixes) > 0, marker, nil
}

// probeBucket answers a lookup of a bucket name at the root of s3://.
func probeBucket(ctx context.Context, c remote.Client, name string) (entry, error) {
	if !plausibleBucketName(name) {
		return entry{}, errNoEntry
	}
	if err := c.HeadBucket(ctx, name); err != nil {
		if errors.Is(err, remote.ErrNotFound) || errors.Is(err, remote.ErrInvalidArgument) {
			return entry{}, errNoEntry
		}
		return entry{}, fmt.Errorf("head bucket %s: %w", name, err)
	}
	return entry{name: name, dir: true}, nil
}

// entryFromHead makes a file entry from HEAD's answer, with the mtime from
// x-amz-meta-mtime when it is present and valid.
func entryFromHead(name string, info remote.ObjectInfo) entry {
	e := entry{name: name, size: info.Size, etag: info.ETag, mtime: info.LastModified}
	if t, ok := parseMetaMtime(info.Metadata[remote.MetaMtime]); ok {
		e.mtime, e.metaMtime = t, true
	}
	e.stored = parseStored(info.Metadata, syscall.S_IFREG)
	e.s3 = metaFromHead(info)
	return e
}

// plausibleBucketName is a lenient check (legacy us-east-1 buckets may have
// upper-case letters and underscores) that spares a request for names no
// bucket can have, such as ".Trash" or "autorun.inf~".
func plausibleBucketName(name string) bool {
	if len(name) < 3 || len(name) > 255 {
		return false
	}
	alnum := func(c byte) bool { return isAlnum(c) || c >= 'A' && c <= 'Z' }
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(alnum(c) || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return alnum(name[0]) && alnum(name[len(name)-1])
}
