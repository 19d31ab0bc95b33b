package vfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"syscall"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs/writeback"
)

// Mode and owner. A file's mode (permission bits, setuid, setgid,
// sticky) and owner are stored in its object's user metadata under the
// keys s3fs and rclone use (remote.MetaMode, MetaUID, MetaGID); a
// directory's in its marker object's. objfs writes the mode in octal
// with its type bits and a leading 0 ("0100755"), which rclone parses as
// octal (base 8) and s3fs as a C integer literal (base 0, so octal). It
// reads rclone's form (octal without the 0: "100755", whatever rclone's
// docs show) and s3fs's (decimal: "33261") alike: parseMode tries octal,
// then decimal, and keeps the reading whose type bits are the node's (a
// decimal s3fs mode read as octal gives no valid type for the node, and
// rclone's 6-digit octal is too large to be a decimal mode). uid and gid
// are decimal. Like
// x-amz-meta-mtime, they are known from a HEAD (a lookup, an open), never
// from a listing: an entry known only from a listing shows the mount's
// defaults (Config.UID, GID, FileMode, DirMode) until it is looked up on
// its own. Config.Fixed makes the defaults win over what is stored.

// FixedAttrs says which of Config's UID, GID, FileMode and DirMode apply
// to every node regardless of its stored metadata.
type FixedAttrs struct {
	UID, GID, FileMode, DirMode bool
}

// permMask is what a stored mode may set besides the type: permission
// bits, setuid, setgid and sticky.
const permMask = 0o7777

// storedAttrs is what an object's metadata says of mode and owner.
type storedAttrs struct {
	mode            uint32 // permission bits (permMask), when hasMode
	uid, gid        uint32
	hasMode, hasUID bool
	hasGID          bool
}

// any reports whether anything is stored.
func (s storedAttrs) any() bool { return s.hasMode || s.hasUID || s.hasGID }

// parseStored reads mode, uid and gid from user metadata; a value that
// does not parse, or a mode whose type bits say another kind of node than
// wantType, is ignored.
func parseStored(meta map[string]string, wantType uint32) storedAttrs {
	var s storedAttrs
	if v, ok := meta[remote.MetaMode]; ok {
		s.mode, s.hasMode = parseMode(strings.TrimSpace(v), wantType)
	}
	if v, ok := meta[remote.MetaUID]; ok {
		if id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
			s.uid, s.hasUID = uint32(id), true
		}
	}
	if v, ok := meta[remote.MetaGID]; ok {
		if id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
			s.gid, s.hasGID = uint32(id), true
		}
	}
	return s
}

// parseMode reads a stored mode for a node of type wantType: octal
// first (objfs's "0100755", rclone's "100755", a bare "755"), else
// decimal (s3fs's "33261"); a reading counts only if its type bits are
// wantType's, or if it has none and is permission bits only.
func parseMode(s string, wantType uint32) (uint32, bool) {
	valid := func(v uint64) bool {
		t := uint32(v) & syscall.S_IFMT
		return v <= 0o177777 && (t == wantType || t == 0 && v <= permMask)
	}
	if v, err := strconv.ParseUint(s, 8, 32); err == nil && valid(v) {
		return uint32(v) & permMask, true
	}
	if strings.HasPrefix(s, "0") {
		return 0, false
	}
	if v, err := strconv.ParseUint(s, 10, 32); err == nil && valid(v) {
		return uint32(v) & permMask, true
	}
	return 0, false
}

// formatMode is a mode as objfs stores it: octal with type bits and a
// leading 0, as rclone writes it.
func formatMode(typ, perm uint32) string { return fmt.Sprintf("0%o", typ|perm&permMask) }

// metadata returns s as the user-metadata keys to store for a node of
// type typ (what is not set is left out).
func (s storedAttrs) metadata(typ uint32) map[string]string {
	m := map[string]string{}
	if s.hasMode {
		m[remote.MetaMode] = formatMode(typ, s.mode)
	}
	if s.hasUID {
		m[remote.MetaUID] = strconv.FormatUint(uint64(s.uid), 10)
	}
	if s.hasGID {
		m[remote.MetaGID] = strconv.FormatUint(uint64(s.gid), 10)
	}
	return m
}

// with returns s changed by c's mode and owner.
func (s storedAttrs) with(c AttrChange) storedAttrs {
	if c.HasMode {
		s.mode, s.hasMode = c.Mode&permMask, true
	}
	if c.HasUID {
		s.uid, s.hasUID = c.UID, true
	}
	if c.HasGID {
		s.gid, s.hasGID = c.GID, true
	}
	return s
}

// NewAttrs are the mode and owner a node is created with: the caller's
// (after the kernel applied its umask).
type NewAttrs struct {
	Mode     uint32 // permission bits
	UID, GID uint32
}

// stored returns a as the attributes to store.
func (a NewAttrs) stored() storedAttrs {
	return storedAttrs{mode: a.Mode & permMask, uid: a.UID, gid: a.GID, hasMode: true, hasUID: true, hasGID: true}
}

// apply sets out's permission bits and owner from s where the policy lets
// stored values win (fixedMode: the mode is the mount's).
func (c Config) apply(out *Attr, s storedAttrs, fixedMode bool) {
	if s.hasMode && !fixedMode {
		out.Mode = out.Mode&syscall.S_IFMT | c.perms(s.mode)
	}
	if s.hasUID && !c.Fixed.UID {
		out.UID = s.uid
	}
	if s.hasGID && !c.Fixed.GID {
		out.GID = s.gid
	}
}

// ownerOnly drops from ch the parts of a chmod/chown that are fixed.
func (c Config) ownerOnly(ch AttrChange, fixedMode bool) AttrChange {
	if fixedMode {
		ch.HasMode = false
	}
	if c.Fixed.UID {
		ch.HasUID = false
	}
	if c.Fixed.GID {
		ch.HasGID = false
	}
	return ch
}

// storedAttrs returns what the directory's marker stores, as far as this
// mount knows.
func (n *Dir) storedAttrs() storedAttrs {
	n.attrMu.Lock()
	defer n.attrMu.Unlock()
	return n.stored
}

// setStored records what the directory's marker stores.
func (n *Dir) setStored(s storedAttrs) {
	n.attrMu.Lock()
	n.stored = s
	n.attrMu.Unlock()
}

// changeMarker stores chmod/chown c in the directory's marker: a HEAD of
// the marker (what this mount knows of it may come from a listing, which
// carries no metadata), then a PutObject of the empty marker with its
// metadata changed by c (it creates the marker of an implicit directory).
// The marker's other metadata, its mode or owner among them, is kept. The
// root of a bucket and buckets have no marker: their change is accepted
// and not stored.
func (n *Dir) changeMarker(ctx context.Context, c AttrChange) error {
	c = n.fsys.cfg.ownerOnly(c, n.fsys.cfg.Fixed.DirMode)
	if !c.HasMode && !c.HasUID && !c.HasGID || n.bucket == "" || n.prefix() == "" {
		return nil
	}
	if n.fsys.writes.up == nil {
		return ErrReadOnly
	}
	meta := map[string]string{}
	info, err := n.fsys.client.Head(ctx, n.bucket, n.prefix())
	switch {
	case err == nil:
		meta = maps.Clone(info.Metadata)
	case !errors.Is(err, remote.ErrNotFound):
		return err
	}
	old := parseStored(meta, syscall.S_IFDIR)
	s := old.with(c)
	if s == old && err == nil {
		n.setStored(s)
		return nil
	}
	maps.Copy(meta, s.metadata(syscall.S_IFDIR))
	meta[remote.MetaMtime] = writeback.FormatMtime(n.fsys.cfg.Clock())
	_, err = n.fsys.client.Put(ctx, remote.PutRequest{Bucket: n.bucket, Key: n.prefix(), Body: bytes.NewReader(nil), Metadata: meta})
	if err != nil {
		return err
	}
	n.setStored(s)
	return nil
}

// markerAttrs reads the mode and owner a directory's marker stores: a
// HEAD of the marker, or nothing when it has none.
func markerAttrs(ctx context.Context, c remote.Client, bucket, prefix string) storedAttrs {
	info, err := c.Head(ctx, bucket, prefix)
	if err != nil {
		return storedAttrs{}
	}
	return parseStored(info.Metadata, syscall.S_IFDIR)
}
