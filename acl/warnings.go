package acl

import (
	"fmt"
)

// Warnings lists things in a valid file that are probably not what the
// operator meant, as FILE:LINE: messages in file order: raw prefixes that
// match more than one folder or bucket, patterns that repeat or are covered
// by another, read-write access without any path restriction, inline keys.
func (f *File) Warnings() []string {
	var out []string
	for _, c := range f.Connectors {
		for _, w := range c.warnings() {
			out = append(out, fmt.Sprintf("%s:%d: connector %q: %s", f.Path, w.line, c.Label, w.msg))
		}
	}
	return out
}

type warning struct {
	line int
	msg  string
}

func (c *Connector) warnings() []warning {
	var out []warning
	if c.HasInlineSecret() {
		out = append(out, warning{c.Line, "holds inline keys; prefer credentials_env or profile so the file can be shared"})
	}
	if c.everything() && c.Access == ReadWrite {
		out = append(out, warning{c.Line, "readwrite with no paths: it may change everything the credentials reach"})
	}
	for i, p := range c.Paths {
		if msg := rawPrefixWarning(p, c.Access); msg != "" {
			out = append(out, warning{p.Line, fmt.Sprintf("paths[%d] %s", i, msg)})
		}
		if msg := c.overlapWarning(i); msg != "" {
			out = append(out, warning{p.Line, msg})
		}
	}
	return out
}

// rawPrefixWarning explains what else a raw prefix matches, or "".
func rawPrefixWarning(p Pattern, a Access) string {
	if !p.raw() {
		return ""
	}
	var msg string
	if p.kind == kindBucketPrefix {
		msg = fmt.Sprintf("%q is a raw prefix over bucket names: it also matches buckets such as %q; write %q for one bucket",
			p.Raw, p.bucket+"-other", p.bucket+"/")
	} else {
		msg = fmt.Sprintf("%q is a raw prefix: it also matches %q and %q; write %q for the folder only",
			p.Raw, p.bucket+"/"+p.key+".csv", p.bucket+"/"+p.key+"-other/", p.bucket+"/"+p.key+"/")
	}
	if a == ReadWrite {
		msg += " (and this connector can write there)"
	}
	return msg
}

// overlapWarning reports pattern i if it repeats an earlier pattern or is
// strictly covered by another one.
func (c *Connector) overlapWarning(i int) string {
	p := c.Paths[i]
	for j, q := range c.Paths {
		if j == i || !q.covers(p) {
			continue
		}
		if p.covers(q) {
			if j < i {
				return fmt.Sprintf("paths[%d] %q repeats paths[%d] %q (line %d)", i, p.Raw, j, q.Raw, q.Line)
			}
			continue
		}
		return fmt.Sprintf("paths[%d] %q is already covered by paths[%d] %q (line %d)", i, p.Raw, j, q.Raw, q.Line)
	}
	return ""
}
