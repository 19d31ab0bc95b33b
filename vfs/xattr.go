package vfs

// Extended attributes: what S3 holds about a file's object, read-only
// (README, Semantics → Attributes). A regular file that S3 holds has
//
//	user.s3.etag           the ETag without its quotes (md5sum's hex for a
//	                       single-part upload without SSE-KMS/SSE-C)
//	user.s3.last_modified  LastModified, RFC 3339 in UTC
//	user.s3.meta.NAME      each user metadata key (x-amz-meta-NAME), objfs's
//	                       own (mtime, mode, uid, gid) included
//	user.s3.storage_class  STANDARD when S3 sent none
//	user.s3.version_id     only when S3 sent one (a versioned bucket, or
//	                       "null" for a version written while it was not)
//
// all from one HEAD, kept on the node with the other HEAD attributes
// (mode, owner, x-amz-meta-mtime) for StatTTL, when Config.Xattrs is set
// (otherwise none, and no request). Names outside user.s3. are
// answered at once (ErrNoAttr), so the security.selinux and
// system.posix_acl_access probes of `ls -l` never cost a request, and
// a list of names may be answered without one (XattrNames).
// Directories and links have none, nor has a file while it is open for
// writing or removed while open on this mount (S3 does not hold what it
// shows).

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// XattrPrefix starts the name of every extended attribute objfs shows.
const XattrPrefix = "user.s3."

// xattrNameMax is the longest extended attribute name Linux accepts
// (XATTR_NAME_MAX); a metadata key that would make a longer one is not
// shown.
const xattrNameMax = 255

// ErrNoAttr: the node has no extended attribute of that name (ENODATA).
var ErrNoAttr = errors.New("no such attribute")

// Xattr is one extended attribute.
type Xattr struct {
	Name  string
	Value string
}

// objectMeta is what a HEAD said of an object beyond its size and mtime:
// the source of its file's extended attributes. Immutable once a node
// holds it (stamped makes a copy), so it is read without File.mu.
type objectMeta struct {
	at           time.Time // when the HEAD started (stamped by the node)
	etag         string
	lastModified time.Time
	versionID    string
	storageClass string
	metadata     map[string]string
}

// metaFromHead keeps what HEAD answered for the extended attributes.
func metaFromHead(info remote.ObjectInfo) *objectMeta {
	return &objectMeta{etag: info.ETag, lastModified: info.LastModified, versionID: info.VersionID,
		storageClass: info.StorageClass, metadata: info.Metadata}
}

// stamped returns a copy of m taken at fetched (nil stays nil).
func (m *objectMeta) stamped(fetched time.Time) *objectMeta {
	if m == nil {
		return nil
	}
	c := *m
	c.at = fetched
	return &c
}

// xattrs lists m's attributes, sorted by name.
func (m *objectMeta) xattrs() []Xattr {
	etag := strings.TrimSuffix(strings.TrimPrefix(m.etag, `"`), `"`)
	class := m.storageClass
	if class == "" {
		class = "STANDARD" // S3 omits the header for it
	}
	out := []Xattr{{XattrPrefix + "etag", etag}, {XattrPrefix + "storage_class", class}}
	if !m.lastModified.IsZero() {
		out = append(out, Xattr{XattrPrefix + "last_modified", m.lastModified.UTC().Format(time.RFC3339)})
	}
	if m.versionID != "" {
		out = append(out, Xattr{XattrPrefix + "version_id", m.versionID})
	}
	for k, v := range m.metadata {
		name := XattrPrefix + "meta." + k
		if k == "" || len(name) > xattrNameMax || strings.IndexByte(k, 0) >= 0 {
			continue
		}
		out = append(out, Xattr{name, v})
	}
	slices.SortFunc(out, func(a, b Xattr) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Xattrs returns the file's extended attributes: at most one HEAD, whose
// answer the node keeps for StatTTL. None (no request) while the file is
// open for writing or was removed while open. ErrNotExist when the object
// is gone.
func (n *File) Xattrs(ctx context.Context) ([]Xattr, error) {
	if !n.fsys.cfg.Xattrs {
		return nil, nil
	}
	m, err := n.objectMeta(ctx)
	if err != nil || m == nil {
		return nil, err
	}
	return m.xattrs(), nil
}

// baseXattrNames are the attributes every object has (xattrs), known
// without a HEAD.
var baseXattrNames = []string{XattrPrefix + "etag", XattrPrefix + "last_modified", XattrPrefix + "storage_class"}

// XattrNames lists the names of the file's attributes. With fetch it is
// Xattrs' list (at most one HEAD). Without, it sends nothing: the names
// of the last HEAD younger than StatTTL (at least xattrNamesGrace), else
// the names every object has
// (etag, last_modified, storage_class); a version id and user metadata
// are then listed only once a HEAD found them. The adapter fetches for a
// size query (an empty buffer: getfattr, cp -a), and not for a read of
// the list into a buffer, which is what `ls -l` does for every file
// since coreutils 9.5 (it looks for ACL and SELinux names): a listing of
// 10,000 files must not cost 10,000 HEADs.
func (n *File) XattrNames(ctx context.Context, fetch bool) ([]string, error) {
	if !n.fsys.cfg.Xattrs {
		return nil, nil
	}
	var m *objectMeta
	if fetch {
		var err error
		if m, err = n.objectMeta(ctx); err != nil || m == nil {
			return nil, err
		}
	} else {
		info, local := n.localInfo()
		switch {
		case local:
			return nil, nil
		case info.s3 != nil && n.fsys.cfg.Clock().Sub(info.s3.at) < max(n.fsys.cfg.statTTL(), xattrNamesGrace):
			m = info.s3
		default:
			return slices.Clone(baseXattrNames), nil
		}
	}
	xs := m.xattrs()
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = x.Name
	}
	return names, nil
}

// xattrNamesGrace is how long a HEAD's names answer a list read without
// a fetch when StatTTL is shorter (NoCache): getfattr, cp -a and attr ask
// the size (a HEAD) and read the list right after, and must see the
// names that HEAD found, the version id and user metadata included.
const xattrNamesGrace = time.Second

// Xattr returns the value of the file's attribute name: ErrNoAttr when it
// has none of that name. Only names under XattrPrefix may cost a request.
func (n *File) Xattr(ctx context.Context, name string) (string, error) {
	if !n.fsys.cfg.Xattrs || !strings.HasPrefix(name, XattrPrefix) {
		return "", ErrNoAttr
	}
	xs, err := n.Xattrs(ctx)
	if err != nil {
		return "", err
	}
	for _, x := range xs {
		if x.Name == name {
			return x.Value, nil
		}
	}
	return "", ErrNoAttr
}

// objectMeta returns what the last HEAD of the object said, sending one
// when the node has none younger than StatTTL; nil while the node's
// attributes are its own (localInfo: a writer, or removed while open).
func (n *File) objectMeta(ctx context.Context) (*objectMeta, error) {
	info, local := n.localInfo()
	if local {
		return nil, nil
	}
	cfg := n.fsys.cfg
	now := cfg.Clock()
	if info.s3 != nil && now.Sub(info.s3.at) < cfg.statTTL() {
		return info.s3, nil
	}
	obj, err := n.fsys.client.Head(ctx, n.bucket, n.objKey())
	if err != nil {
		return nil, err
	}
	e := entryFromHead(info.name, obj)
	n.update(e, now, false)
	return e.s3.stamped(now), nil
}

// ChangeXattr is the part of setxattr's and removexattr's answer that
// does not depend on the names the node shows (SetXattr and RemoveXattr,
// xattr_change.go, add that): ErrReadOnly (or
// the connector's refusal) where nothing may change; with Config.Xattrs,
// for a name under XattrPrefix, nil and nothing changes (they are S3's, computed from a
// HEAD: `cp -a`, `rsync -X` and `tar --xattrs` copying a tree that came
// from an objfs mount must not fail on them); any other name
// ErrNotSupported (extended attributes are not stored; cp -a then carries
// on without them).
func (n *File) ChangeXattr(name string) error {
	return n.fsys.changeXattr(n.bucket, n.objKey(), name)
}

// ChangeXattr: see File.ChangeXattr.
func (n *Dir) ChangeXattr(name string) error {
	return n.fsys.changeXattr(n.bucket, n.prefix(), name)
}

func (f *FS) changeXattr(bucket, key, name string) error {
	if err := f.mayChange(acl.OpWrite, bucket, key); err != nil {
		return err
	}
	if f.cfg.Xattrs && strings.HasPrefix(name, XattrPrefix) {
		return nil
	}
	return ErrNotSupported
}
