package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Pinned objects (acl's "bucket/key@VERSIONID"): the restricted client
// shows and reads the pinned version of such a key, never the current
// object, so a bundle stays what it was when it was closed:
//
//   - Head answers with HeadVersion of the pinned version; Get sends the
//     version id; a listing shows the pinned version's size, ETag and
//     time, and lists the key even when its current version is deleted.
//   - ListVersions and HeadVersion show only the pinned version of the
//     key; a Get of another version of it is not found.
//   - Changes are refused by the connector (acl: a pinned key is
//     read-only), before anything is sent.
//   - A pinned version that no longer exists (deleted with its version
//     id) is an error that is not ErrNotFound (ErrPinnedGone), so the
//     file is still there and reading it fails with EIO, and the hook
//     PinGone is told.
//
// The attributes of pinned versions are kept (pins): a version never
// changes.

// ErrPinnedGone is the error for a pinned version that no longer exists;
// fs maps it to EIO, as it maps every error it does not list.
var ErrPinnedGone = errors.New("pinned version no longer exists")

// pinState holds what the restricted client learned of pinned versions.
type pinState struct {
	mu    sync.Mutex            // guards infos; a leaf
	infos map[string]ObjectInfo // by bucket "/" key; only found versions
}

// pinned returns the version c pins (bucket, key) to.
func (r *restrictedClient) pinned(bucket, key string) (string, bool) {
	return r.c.PinnedVersion(bucket, key)
}

// gone is the error for pinned version v of (bucket, key) that S3 no
// longer has; the hook is told.
func (r *restrictedClient) gone(bucket, key, v string, err error) error {
	if r.hooks.PinGone != nil {
		r.hooks.PinGone(bucket, key, v)
	}
	return fmt.Errorf("connector %q: s3://%s/%s pinned to version %s: %w (%v)", r.c.Label, bucket, key, v, ErrPinnedGone, err)
}

// pinnedInfo returns the attributes of (bucket, key)'s pinned version v.
func (r *restrictedClient) pinnedInfo(ctx context.Context, bucket, key, v string) (ObjectInfo, error) {
	k := bucket + "/" + key
	r.pins.mu.Lock()
	info, ok := r.pins.infos[k]
	r.pins.mu.Unlock()
	if ok {
		return info, nil
	}
	info, err := r.next.HeadVersion(ctx, bucket, key, v)
	if errors.Is(err, ErrNotFound) {
		return ObjectInfo{}, r.gone(bucket, key, v, err)
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	r.pins.mu.Lock()
	if r.pins.infos == nil {
		r.pins.infos = make(map[string]ObjectInfo)
	}
	r.pins.infos[k] = info
	r.pins.mu.Unlock()
	return info, nil
}

// headPinned is Head of a pinned key.
func (r *restrictedClient) headPinned(ctx context.Context, bucket, key, v string) (ObjectInfo, error) {
	return r.pinnedInfo(ctx, bucket, key, v)
}

// getPinned is Get of a pinned key: its version, or none.
func (r *restrictedClient) getPinned(ctx context.Context, req GetRequest, v string) (io.ReadCloser, error) {
	if req.VersionID != "" && req.VersionID != v {
		return nil, fmt.Errorf("connector %q: s3://%s/%s is pinned to version %s, not %s: %w",
			r.c.Label, req.Bucket, req.Key, v, req.VersionID, ErrNotFound)
	}
	req.VersionID = v
	rc, err := r.next.Get(ctx, req)
	if errors.Is(err, ErrNotFound) {
		return nil, r.gone(req.Bucket, req.Key, v, err)
	}
	return rc, err
}

// pinPage gives the pinned keys of a listing page their pinned
// versions' attributes and, on the first page of a "/" listing of a
// directory, adds its pinned keys S3 no longer lists.
func (r *restrictedClient) pinPage(ctx context.Context, req ListRequest, p ListPage) (ListPage, error) {
	if !r.c.HasPins() {
		return p, nil
	}
	for i, o := range p.Objects {
		v, ok := r.pinned(req.Bucket, o.Key)
		if !ok {
			continue
		}
		info, err := r.listedPin(ctx, req.Bucket, o.Key, v, o)
		if err != nil {
			return ListPage{}, err
		}
		p.Objects[i] = info
	}
	if req.Token != "" || req.Delimiter != "/" || !keyIsDir(req.Prefix) {
		return p, nil
	}
	for _, pin := range r.c.PinsIn(req.Bucket, req.Prefix) {
		i, found := slices.BinarySearchFunc(p.Objects, pin.Key, func(o ObjectInfo, k string) int { return strings.Compare(o.Key, k) })
		if found {
			continue
		}
		info, err := r.listedPin(ctx, req.Bucket, pin.Key, pin.Version, ObjectInfo{Key: pin.Key})
		if err != nil {
			return ListPage{}, err
		}
		p.Objects = slices.Insert(p.Objects, i, info)
	}
	return p, nil
}

// listedPin is the listing entry of a pinned key: its version's
// attributes, or, when the version is gone, a placeholder of size 1 (the
// time S3 listed, no ETag): the name stays where users expect it, and a
// read reaches S3 (an empty file would read as empty) and fails with
// ErrPinnedGone, EIO.
func (r *restrictedClient) listedPin(ctx context.Context, bucket, key, v string, listed ObjectInfo) (ObjectInfo, error) {
	info, err := r.pinnedInfo(ctx, bucket, key, v)
	if errors.Is(err, ErrPinnedGone) {
		return ObjectInfo{Key: key, Size: 1, LastModified: listed.LastModified, VersionID: v}, nil
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	info.Metadata = nil // as a listing carries none
	return info, nil
}

// keepPinnedVersions drops from a versions page every version of a
// pinned key but the pinned one.
func (r *restrictedClient) keepPinnedVersions(bucket string, vs []ObjectVersion) []ObjectVersion {
	if !r.c.HasPins() {
		return vs
	}
	return slices.DeleteFunc(vs, func(v ObjectVersion) bool {
		pv, ok := r.pinned(bucket, v.Key)
		return ok && v.VersionID != pv
	})
}
