package acl

import (
	"sort"
	"strings"
)

// Queries for the filesystem. All of them take raw (bucket, key) pairs as
// fs builds them from resolved names; directory keys end in "/" and a
// bucket's root is "". A non-canonical bucket or key (see CheckKey,
// CheckBucket) matches nothing.

// matchAll is the index allowIndex and wayIndex report when a connector has
// no paths, which means everything.
const matchAll = -1

// everything reports whether the connector has no path restriction.
func (c *Connector) everything() bool { return len(c.Paths) == 0 }

// allowIndex returns the index of the first pattern that matches (bucket,
// key) itself, matchAll for a connector without paths, and ok=false if none.
func (c *Connector) allowIndex(bucket, key string) (int, bool) {
	if !bucketOK(bucket) || !keyOK(key) {
		return 0, false
	}
	if c.everything() {
		return matchAll, true
	}
	for i := range c.Paths {
		if c.Paths[i].allows(bucket, key) {
			return i, true
		}
	}
	return 0, false
}

// wayIndex returns the first pattern that makes the directory key dir
// visible: one that matches it, or one that matches something below it.
func (c *Connector) wayIndex(bucket, dir string) (int, bool) {
	if !isDirKey(dir) {
		return 0, false
	}
	if i, ok := c.allowIndex(bucket, dir); ok {
		return i, true
	}
	if !bucketOK(bucket) || !keyOK(dir) {
		return 0, false
	}
	for i := range c.Paths {
		if c.Paths[i].leadsInto(bucket, dir) {
			return i, true
		}
	}
	return 0, false
}

// Allows reports whether the object or directory key itself is inside the
// patterns. Allowing a directory key allows everything below it.
func (c *Connector) Allows(bucket, key string) bool {
	_, ok := c.allowIndex(bucket, key)
	return ok
}

// DirVisible reports whether the directory dirPrefix ("" for the bucket
// root, else "a/b/") is inside the patterns or on the way to something
// inside them. A key that does not end in "/" is not a directory: false.
func (c *Connector) DirVisible(bucket, dirPrefix string) bool {
	_, ok := c.wayIndex(bucket, dirPrefix)
	return ok
}

// BucketVisible reports whether the bucket appears at the connector root.
func (c *Connector) BucketVisible(bucket string) bool {
	return c.DirVisible(bucket, "")
}

// EntryVisible filters a listing of dirPrefix: a file entry is visible iff
// Allows(bucket, dirPrefix+name), a directory entry iff
// DirVisible(bucket, dirPrefix+name+"/"). A name that cannot be one path
// segment (see ValidName) is never visible.
func (c *Connector) EntryVisible(bucket, dirPrefix, name string, isDir bool) bool {
	if !nameOK(name) || !isDirKey(dirPrefix) {
		return false
	}
	if isDir {
		return c.DirVisible(bucket, dirPrefix+name+"/")
	}
	return c.Allows(bucket, dirPrefix+name)
}

// BucketNames says what the connector root lists. named are the buckets the
// patterns name literally, sorted; fs shows them without asking S3 (the
// credentials may not be allowed ListBuckets). When listAll is set, some
// pattern ("*", "buck*") reaches buckets by prefix: fs adds ListBuckets
// results filtered with BucketVisible.
func (c *Connector) BucketNames() (named []string, listAll bool) {
	if c.everything() {
		return nil, true
	}
	seen := map[string]bool{}
	for _, p := range c.Paths {
		switch p.kind {
		case kindAll, kindBucketPrefix:
			listAll = true
		case kindExact, kindPrefix:
			if !seen[p.bucket] {
				seen[p.bucket] = true
				named = append(named, p.bucket)
			}
		}
	}
	sort.Strings(named)
	return named, listAll
}

// ImpliedDirs returns the names of the subdirectories of dirPrefix that the
// patterns spell out (for "b/data/out/*", "data" under "" and "out" under
// "data/"), sorted. fs may list them even when S3 holds no key below them
// yet, so that an allowed subtree of an empty bucket can be reached without
// a mkdir outside the patterns. Raw prefixes imply nothing past their last
// "/", and the last segment of an exact pattern is a file.
func (c *Connector) ImpliedDirs(bucket, dirPrefix string) []string {
	if !bucketOK(bucket) || !isDirKey(dirPrefix) || !keyOK(dirPrefix) {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range c.Paths {
		if (p.kind != kindExact && p.kind != kindPrefix) || p.bucket != bucket ||
			!strings.HasPrefix(p.key, dirPrefix) {
			continue
		}
		rest := p.key[len(dirPrefix):]
		name, _, isDir := strings.Cut(rest, "/")
		if isDir && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
