package cache

import "strings"

// Keys here are S3 keys. A directory's key is its prefix with the trailing
// "/" ("a/b/"); the root of a bucket is "".

// isDirKey reports whether key names a directory.
func isDirKey(key string) bool { return strings.HasSuffix(key, "/") }

// parentPrefix is the prefix of the directory holding key: "a/b/" for
// "a/b/c" and for "a/b/c/", "" for "c".
func parentPrefix(key string) string {
	s := strings.TrimSuffix(key, "/")
	return s[:strings.LastIndexByte(s, '/')+1]
}

// baseName is key's name inside its directory: "c" for "a/b/c" and for
// "a/b/c/".
func baseName(key string) string {
	s := strings.TrimSuffix(key, "/")
	return s[strings.LastIndexByte(s, '/')+1:]
}

// ancestors yields the prefixes of every directory above key, nearest
// first, ending with "".
func ancestors(key string, yield func(prefix string)) {
	for key != "" {
		key = parentPrefix(key)
		yield(key)
	}
}
