package remote

import (
	"context"
	"slices"
	"strings"
)

// List returns one page of a listing with only what the connector lets be
// seen: objects it allows, directory markers and common prefixes of
// directories that are inside the patterns or on the way to them. A prefix
// in a directory nothing visible can be under is answered with an empty
// page and no request.
//
// Directories on the way to an allowed path exist in the view even when S3
// holds nothing below them yet (an empty bucket with a pattern
// "b/results/out/*" shows results/ and results/out/). So the first page
// (Token "") of a "/"-delimited listing of a directory that is only on the
// way gets the directories the patterns spell out below it (acl's
// ImpliedDirs) as common prefixes, and the first page of a listing of such
// an implied directory gets its own "dir/" marker, so that a one-key
// probe (fs's dirExists) finds it. fs merges listings by name, so the additions
// never duplicate an entry; each page stays sorted, but an added prefix
// may sort before the entries of an earlier page.
func (r *restrictedClient) List(ctx context.Context, req ListRequest) (ListPage, error) {
	if !r.prefixReachable(req.Bucket, req.Prefix) {
		return ListPage{}, nil
	}
	page, err := r.next.List(ctx, req)
	if err != nil {
		return page, err
	}
	page = r.filterPage(req.Bucket, page)
	if req.Token == "" && req.Delimiter == "/" && keyIsDir(req.Prefix) {
		page = r.addImplied(req.Bucket, req.Prefix, page)
	}
	return r.pinPage(ctx, req, page)
}

// prefixReachable reports whether anything visible can start with prefix:
// its bucket and the directory holding it must be visible.
func (r *restrictedClient) prefixReachable(bucket, prefix string) bool {
	if !r.c.BucketVisible(bucket) {
		return false
	}
	return r.c.DirVisible(bucket, prefix[:strings.LastIndexByte(prefix, '/')+1])
}

// filterPage keeps the visible objects and prefixes of p, in new slices
// (the inner client's are not modified).
func (r *restrictedClient) filterPage(bucket string, p ListPage) ListPage {
	out := ListPage{NextToken: p.NextToken}
	for _, o := range p.Objects {
		if r.visible(bucket, o.Key) {
			out.Objects = append(out.Objects, o)
		}
	}
	for _, cp := range p.Prefixes {
		if r.visible(bucket, cp) {
			out.Prefixes = append(out.Prefixes, cp)
		}
	}
	return out
}

// addImplied adds to the first page of a listing of dir the directories on
// the way that S3 may not hold yet (see List).
func (r *restrictedClient) addImplied(bucket, dir string, p ListPage) ListPage {
	if r.impliedInParent(bucket, dir) && (len(p.Objects) == 0 || p.Objects[0].Key != dir) {
		p.Objects = append([]ObjectInfo{{Key: dir}}, p.Objects...)
	}
	if r.c.Allows(bucket, dir) {
		// Inside the patterns everything is visible: S3's answer is
		// the whole truth, and no phantom directory is added where
		// files can be created.
		return p
	}
	for _, name := range r.c.ImpliedDirs(bucket, dir) {
		cp := dir + name + "/"
		if i, found := slices.BinarySearch(p.Prefixes, cp); !found {
			p.Prefixes = slices.Insert(p.Prefixes, i, cp)
		}
	}
	return p
}

// impliedInParent reports whether dir (not a bucket root) is a directory
// that the listing of its parent adds: the parent is only on the way and
// the patterns spell dir out.
func (r *restrictedClient) impliedInParent(bucket, dir string) bool {
	if dir == "" {
		return false
	}
	trimmed := strings.TrimSuffix(dir, "/")
	i := strings.LastIndexByte(trimmed, '/')
	parent, name := trimmed[:i+1], trimmed[i+1:]
	if r.c.Allows(bucket, parent) {
		return false
	}
	_, found := slices.BinarySearch(r.c.ImpliedDirs(bucket, parent), name)
	return found
}

// keyIsDir reports whether key names a directory: a bucket's root "" or a
// key ending in "/".
func keyIsDir(key string) bool {
	return key == "" || strings.HasSuffix(key, "/")
}

// ListVersions is List for versions: the same reach, the same filter
// (versions and delete markers of visible keys, visible prefixes) and the
// same implied directories on a first page (a directory's own marker as
// a version with no id, zero time and IsLatest, so that it exists at any
// time of an as-of view).
func (r *restrictedClient) ListVersions(ctx context.Context, req ListVersionsRequest) (VersionPage, error) {
	if !r.prefixReachable(req.Bucket, req.Prefix) {
		return VersionPage{}, nil
	}
	page, err := r.next.ListVersions(ctx, req)
	if err != nil {
		return page, err
	}
	out := VersionPage{NextKeyMarker: page.NextKeyMarker, NextVersionIDMarker: page.NextVersionIDMarker}
	for _, v := range page.Versions {
		if r.visible(req.Bucket, v.Key) {
			out.Versions = append(out.Versions, v)
		}
	}
	out.Versions = r.keepPinnedVersions(req.Bucket, out.Versions)
	for _, cp := range page.Prefixes {
		if r.visible(req.Bucket, cp) {
			out.Prefixes = append(out.Prefixes, cp)
		}
	}
	if req.KeyMarker == "" && req.Delimiter == "/" && keyIsDir(req.Prefix) {
		out = r.addImpliedVersions(req.Bucket, req.Prefix, out)
	}
	return out, nil
}

// addImpliedVersions is addImplied for a versions page.
func (r *restrictedClient) addImpliedVersions(bucket, dir string, p VersionPage) VersionPage {
	objs := make([]ObjectInfo, 0, len(p.Versions))
	for _, v := range p.Versions {
		objs = append(objs, v.ObjectInfo)
	}
	lp := r.addImplied(bucket, dir, ListPage{Objects: objs, Prefixes: p.Prefixes})
	if len(lp.Objects) > len(objs) {
		p.Versions = append([]ObjectVersion{{ObjectInfo: lp.Objects[0], IsLatest: true}}, p.Versions...)
	}
	p.Prefixes = lp.Prefixes
	return p
}
