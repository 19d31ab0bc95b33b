package acl

import "fmt"

// Op is a class of filesystem operation, as far as access control cares.
type Op int

const (
	OpRead   Op = iota // open for reading, read, readlink
	OpList             // readdir
	OpStat             // lookup, getattr
	OpWrite            // create, write, truncate, setattr, mkdir
	OpDelete           // unlink, rmdir
	OpRename           // one side of a rename; see DecideRename for both
)

var opNames = [...]string{"read", "list", "stat", "write", "delete", "rename"}

// String returns the op's name as `connectors check --op` takes it.
func (o Op) String() string {
	if o >= 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// ParseOp parses an op name: read, list, stat, write, delete or rename.
func ParseOp(s string) (Op, error) {
	for i, n := range opNames {
		if n == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown op %q: want read, list, stat, write, delete or rename", s)
}

// mutates reports whether the op could change the bucket.
func (o Op) mutates() bool { return o == OpWrite || o == OpDelete || o == OpRename }

// Decision is the answer to "may this happen": Denial is DenyNone when
// allowed, else why not (DenyInvisible, DenyReadOnly, DenyOutside,
// DenyCrossDevice). Rule says in words which pattern or rule decided.
type Decision struct {
	Denial Denial
	Rule   string
}

// Allowed reports whether the decision allows the operation.
func (d Decision) Allowed() bool { return d.Denial == DenyNone }

// String is "allowed: RULE" or "denied ERRNO: RULE".
func (d Decision) String() string {
	if d.Allowed() {
		return "allowed: " + d.Rule
	}
	return fmt.Sprintf("denied %s: %s", d.Denial.ErrnoName(), d.Rule)
}

func allow(rule string) Decision { return Decision{Rule: rule} }

func deny(k Denial, format string, args ...any) Decision {
	return Decision{Denial: k, Rule: fmt.Sprintf(format, args...)}
}

// Decide says whether op may happen on (bucket, key); key "" is the bucket
// itself and directory keys end in "/". In order:
//
//  1. a non-canonical bucket or key: ENOENT;
//  2. a key no pattern reaches: ENOENT for read ops; for mutations, ENOENT
//     too unless its parent directory is visible (creating a file in a
//     listed directory), then step 3 or EACCES;
//  3. a mutation in a read-only connector, or of a key a pattern pins to
//     a version (pin.go): EROFS;
//  4. read ops on a visible key: allowed (directories on the way included);
//  5. a mutation of a key inside the patterns: allowed; of a directory that
//     is only on the way: EACCES.
//
// Write implies delete: OpWrite, OpDelete and OpRename need the same.
func (c *Connector) Decide(op Op, bucket, key string) Decision {
	if d, bad := checkCanonical(bucket, key); bad {
		return d
	}
	if i, ok := c.allowIndex(bucket, key); ok {
		if pin, pinned := c.pinIndex(bucket, key); pinned && op.mutates() {
			return deny(DenyReadOnly, "%s pins a version: a pinned object is read-only", c.ruleAt(pin))
		}
		if op.mutates() && c.Access != ReadWrite {
			return c.readOnly()
		}
		return allow(c.ruleAt(i))
	}
	return c.decideOutside(op, bucket, key)
}

// decideOutside decides for a canonical key that no pattern matches.
func (c *Connector) decideOutside(op Op, bucket, key string) Decision {
	way, onWay := c.wayIndex(bucket, key)
	parentVisible := onWay || c.parentVisible(bucket, key)
	switch {
	case !onWay && (!op.mutates() || !parentVisible):
		return deny(DenyInvisible, "no pattern of connector %q matches %s", c.Label, showPath(bucket, key))
	case op.mutates() && c.Access != ReadWrite:
		return c.readOnly()
	case !op.mutates():
		return allow("directory on the way to " + c.ruleAt(way))
	case onWay:
		return deny(DenyOutside, "%s is only a directory on the way to %s; changing it is outside the patterns",
			showPath(bucket, key), c.ruleAt(way))
	}
	return deny(DenyOutside, "%s is outside every pattern of connector %q (its directory is visible)",
		showPath(bucket, key), c.Label)
}

// parentVisible reports whether the directory holding key is visible (the
// connector root, holding buckets, always is).
func (c *Connector) parentVisible(bucket, key string) bool {
	dir, ok := parentDir(key)
	return !ok || c.DirVisible(bucket, dir)
}

func checkCanonical(bucket, key string) (Decision, bool) {
	if err := CheckBucket(bucket); err != nil {
		return deny(DenyInvisible, "not a canonical path: %v", err), true
	}
	if err := CheckKey(key); err != nil {
		return deny(DenyInvisible, "not a canonical path: %v", err), true
	}
	return Decision{}, false
}

func (c *Connector) readOnly() Decision {
	if c.accessLine > 0 {
		return deny(DenyReadOnly, "access: read (line %d)", c.accessLine)
	}
	return deny(DenyReadOnly, "access: read (the default)")
}

// ruleAt names pattern i, or the absence of paths for matchAll.
func (c *Connector) ruleAt(i int) string {
	if i == matchAll {
		return "no paths: everything the credentials reach"
	}
	p := c.Paths[i]
	if p.Line > 0 {
		return fmt.Sprintf("paths[%d] %q (line %d)", i, p.Raw, p.Line)
	}
	return fmt.Sprintf("paths[%d] %q", i, p.Raw)
}

func showPath(bucket, key string) string { return fmt.Sprintf("%q", bucket+"/"+key) }

// DecideRename decides a rename, which needs delete on the source and write
// on the destination. In order: the source must be visible (ENOENT); across
// connectors or buckets gives EXDEV, so mv falls back to copy and delete,
// each then checked on its own; then each side as Decide(OpRename) would
// (EROFS for a read-only connector, EACCES outside the patterns), and a
// source directory with a pinned key below it is EROFS (pin.go).
func DecideRename(src *Connector, srcBucket, srcKey string, dst *Connector, dstBucket, dstKey string) Decision {
	if d := src.Decide(OpStat, srcBucket, srcKey); !d.Allowed() {
		return d
	}
	if src != dst && src.Label != dst.Label {
		return deny(DenyCrossDevice, "rename across connectors %q and %q", src.Label, dst.Label)
	}
	if srcBucket != dstBucket {
		return deny(DenyCrossDevice, "rename across buckets %q and %q", srcBucket, dstBucket)
	}
	s := src.Decide(OpRename, srcBucket, srcKey)
	if !s.Allowed() {
		s.Rule = "source: " + s.Rule
		return s
	}
	if i, ok := src.pinBelow(srcBucket, srcKey); ok {
		// Moving a directory moves every key below it, the pinned ones
		// too: copies of their current objects, and deletes.
		return deny(DenyReadOnly, "source: %s pins a version below it: a pinned object is read-only", src.ruleAt(i))
	}
	d := dst.Decide(OpRename, dstBucket, dstKey)
	if !d.Allowed() {
		d.Rule = "destination: " + d.Rule
		return d
	}
	return allow(fmt.Sprintf("source %s; destination %s", s.Rule, d.Rule))
}
