package vfs

import (
	"log/slog"
	"strings"
	"sync"
)

// MaxNameLen is the longest file name Linux and macOS accept, in bytes.
const MaxNameLen = 255

// maxKeyLen is the longest key S3 accepts, in bytes (KeyTooLongError).
const maxKeyLen = 1024

// nameProblem says why seg cannot be a file name, or "" when it can.
func nameProblem(seg string) string {
	switch {
	case seg == "":
		return "empty path segment (a leading slash or //)"
	case seg == "." || seg == "..":
		return `"." or ".." path segment`
	case len(seg) > MaxNameLen:
		return "path segment longer than 255 bytes"
	case strings.IndexByte(seg, 0) >= 0:
		return "NUL byte in name"
	case strings.IndexByte(seg, '/') >= 0:
		return "slash in name"
	}
	return ""
}

// validName reports whether seg can be a file name.
func validName(seg string) bool { return nameProblem(seg) == "" }

// fileKey is the key of file name in the directory whose key prefix is
// prefix ("" or ending with "/").
func fileKey(prefix, name string) string { return prefix + name }

// dirPrefix is the key prefix of directory name in the directory whose key
// prefix is prefix.
func dirPrefix(prefix, name string) string { return prefix + name + "/" }

// objectName maps an object key listed under prefix (with delimiter "/")
// to the entry it shows as. own is true for the directory's own marker
// (the key equals prefix), which is not an entry. dir is true for a "name/"
// marker. problem is non-empty when the key cannot be shown.
func objectName(prefix, key string) (name string, dir, own bool, problem string) {
	rel, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", false, false, "key outside the listed prefix"
	}
	if rel == "" {
		return "", false, true, ""
	}
	if base, isMarker := strings.CutSuffix(rel, "/"); isMarker {
		rel, dir = base, true
	} else if base, isLink := linkName(rel); isLink {
		return rel, false, false, nameProblem(base) // a link's name is shorter than its key
	}
	return rel, dir, false, nameProblem(rel)
}

// prefixName maps a common prefix listed under prefix to the directory
// name it shows as.
func prefixName(prefix, common string) (name string, problem string) {
	rel, ok := strings.CutPrefix(common, prefix)
	if !ok {
		return "", "prefix outside the listed prefix"
	}
	name = strings.TrimSuffix(rel, "/")
	return name, nameProblem(name)
}

// maxWarned bounds the memory warnOnce spends remembering keys.
const maxWarned = 10000

// warnOnce logs one warning per (bucket, key), so that listing the same
// directory again does not repeat it. After maxWarned distinct keys it logs
// that further warnings are suppressed and stays quiet.
type warnOnce struct {
	log *slog.Logger

	mu     sync.Mutex          // guards seen
	seen   map[string]struct{} // bucket + "/" + key already reported
	capped bool                // suppression already announced
}

func newWarnOnce(log *slog.Logger) *warnOnce {
	return &warnOnce{log: log, seen: make(map[string]struct{})}
}

// warn logs msg for key in bucket unless it was logged before. It reports
// whether it logged.
func (w *warnOnce) warn(bucket, key, msg string) bool {
	id := bucket + "/" + key
	w.mu.Lock()
	if _, dup := w.seen[id]; dup || w.capped {
		w.mu.Unlock()
		return false
	}
	full := len(w.seen) >= maxWarned
	if full {
		w.capped = true
	} else {
		w.seen[id] = struct{}{}
	}
	w.mu.Unlock()
	if full {
		w.log.Warn("too many unusable keys; further warnings about keys are suppressed", "limit", maxWarned)
		return false
	}
	w.log.Warn(msg, "bucket", bucket, "key", key)
	return true
}

// skipKey reports a key that cannot be shown as a path.
func (w *warnOnce) skipKey(bucket, key, problem string) {
	w.warn(bucket, key, "skipping key that cannot be a file name: "+problem)
}

// shadowed reports an object hidden by a directory of the same name.
func (w *warnOnce) shadowed(bucket, key string) {
	w.warn(bucket, key, "object hidden by a directory of the same name (the directory wins)")
}
