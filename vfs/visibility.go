package vfs

// Visibility: the one seam through which a change made through the mount
// becomes visible at once to lookups, stat and readdir on the same mount
// (read-your-writes), before and after it reaches S3.
//
// NOTE TO THE READ-CACHE CODE (snapshot.go, dir.go's DirStream, cache.Meta):
// every namespace change of the write path goes through noteUpsert,
// noteRemove and noteInvalidate below, and nothing else in the write code
// touches the metadata cache. Files being written that S3 does not have
// yet are answered from the node tree: resolve (dir.go) asks localEntry
// before the cache and the network, and list (dir.go) adds withLocal's
// entries to what S3 lists. Directory keys end with "/"; at the root of
// s3:// a bucket is (bucket, "") and lives in the cache as key "NAME/" of
// bucket "" (the root's own dirCache).

import (
	"slices"
	"strings"
	"time"

	"github.com/objfs/objfs/cache"
)

// noteUpsert makes key (a file, or a directory ending with "/") visible
// with these attributes: its stat and its entry in the cached listing of
// its directory. For a bucket at the root of s3://, key is "".
func (f *FS) noteUpsert(bucket, key string, isDir bool, size int64, mtime time.Time, etag string) {
	bucket, key = cacheKey(bucket, key, isDir)
	f.meta.Upsert(bucket, key, cache.Entry{Size: size, MTime: mtime, ETag: etag})
	f.touchMissing(bucket, key)
}

// noteRemove makes key disappear: from its directory's cached listing,
// and as a negative stat. For a bucket at the root of s3://, key is "".
func (f *FS) noteRemove(bucket, key string) {
	bucket, key = cacheKey(bucket, key, key == "" || strings.HasSuffix(key, "/"))
	f.meta.Remove(bucket, key)
	f.touchMissing(bucket, key)
}

// noteInvalidate forgets what is cached about key after a change whose
// outcome is unknown (a rename or delete that failed half-way).
func (f *FS) noteInvalidate(bucket, key string) {
	bucket, key = cacheKey(bucket, key, key == "" || strings.HasSuffix(key, "/"))
	f.meta.Invalidate(bucket, key)
	f.touchMissing(bucket, key)
}

// cacheKey maps a (bucket, key) of the tree to the metadata cache's: a
// bucket itself is the directory entry NAME/ of the root of s3://.
func cacheKey(bucket, key string, isDir bool) (string, string) {
	if key == "" {
		return "", bucket + "/"
	}
	if isDir && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	return bucket, key
}

// localEntry answers a lookup of name from the tree when the child is a
// file being written: S3 may not have it yet, and its size and mtime are
// the writer's.
func (n *Dir) localEntry(name string) (entry, bool) {
	f := n.childFile(name)
	if f == nil {
		return entry{}, false
	}
	info, ok := f.localInfo()
	if !ok || f.isUnlinked() {
		return entry{}, false
	}
	return info.entry, true
}

// withLocal adds to a directory's listing the files being written in it
// that S3 does not list yet.
func (n *Dir) withLocal(entries []entry, err error) ([]entry, error) {
	if err != nil || n.bucket == "" {
		return entries, err
	}
	for name, ch := range n.childList() {
		f, ok := ch.(*File)
		if !ok || !f.isLocal() {
			continue
		}
		i, found := slices.BinarySearchFunc(entries, name, func(e entry, name string) int { return strings.Compare(e.name, name) })
		if found {
			continue
		}
		info, _ := f.localInfo()
		info.name = name
		entries = slices.Insert(entries, i, info.entry)
	}
	return entries, nil
}

// isLocal reports whether the file was created through the mount and is
// not in S3 yet (while its writer lives).
func (n *File) isLocal() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wr.local && !n.wr.unlinked && n.wr.w != nil
}

// isUnlinked reports whether the file was removed while open.
func (n *File) isUnlinked() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wr.unlinked
}
