package vfs

import (
	"context"
	"errors"
)

// XattrFlag is how a setxattr may change a name, as POSIX's flags say.
type XattrFlag int

const (
	// XattrAny sets the name whether the node has it or not.
	XattrAny XattrFlag = iota
	// XattrCreate (XATTR_CREATE) fails with ErrExist when the node has
	// the name.
	XattrCreate
	// XattrReplace (XATTR_REPLACE) fails with ErrNoAttr when the node
	// has not the name.
	XattrReplace
)

// SetXattr answers setxattr of name with flag: ChangeXattr's answer,
// except that, as POSIX asks, XattrCreate of a name the file shows is
// ErrExist and XattrReplace of one it does not show ErrNoAttr (which
// may cost the HEAD of Xattrs). Nothing changes either way.
func (n *File) SetXattr(ctx context.Context, name string, flag XattrFlag) error {
	if err := n.ChangeXattr(name); err != nil || flag == XattrAny {
		return err
	}
	has, err := n.hasXattr(ctx, name)
	switch {
	case err != nil:
		return err
	case flag == XattrCreate && has:
		return ErrExist
	case flag == XattrReplace && !has:
		return ErrNoAttr
	}
	return nil
}

// RemoveXattr answers removexattr of name: ChangeXattr's answer, except
// that a name the file does not show is ErrNoAttr, as POSIX asks.
func (n *File) RemoveXattr(ctx context.Context, name string) error {
	if err := n.ChangeXattr(name); err != nil {
		return err
	}
	has, err := n.hasXattr(ctx, name)
	if err == nil && !has {
		err = ErrNoAttr
	}
	return err
}

// hasXattr reports whether the file shows attribute name.
func (n *File) hasXattr(ctx context.Context, name string) (bool, error) {
	_, err := n.Xattr(ctx, name)
	if errors.Is(err, ErrNoAttr) {
		return false, nil
	}
	return err == nil, err
}

// SetXattr is File.SetXattr for a directory, which shows no attribute:
// XattrReplace is ErrNoAttr.
func (n *Dir) SetXattr(name string, flag XattrFlag) error {
	if err := n.ChangeXattr(name); err != nil {
		return err
	}
	if flag == XattrReplace {
		return ErrNoAttr
	}
	return nil
}

// RemoveXattr is File.RemoveXattr for a directory, which shows no
// attribute: ErrNoAttr.
func (n *Dir) RemoveXattr(name string) error {
	if err := n.ChangeXattr(name); err != nil {
		return err
	}
	return ErrNoAttr
}
