package acl

import (
	"fmt"
	"path"
	"strings"
)

// Explain answers `objfs connectors check FILE --path P --op OP`: which
// connector, which rule, allowed or which errno, in a few lines of text.
// p is "bucket/key" as seen below the connector's directory (a trailing "/"
// asks about a directory, "bucket" about the bucket itself). With label ""
// every connector is explained in turn.
func (f *File) Explain(label, p string, op Op) string {
	if label == "" {
		parts := make([]string, len(f.Connectors))
		for i, c := range f.Connectors {
			parts[i] = f.explainOne(c, p, op)
		}
		return strings.Join(parts, "\n")
	}
	c := f.Connector(label)
	if c == nil {
		return fmt.Sprintf("no connector labelled %q in %s (labels: %s)\n",
			label, f.Path, strings.Join(f.Labels(), ", "))
	}
	return f.explainOne(c, p, op)
}

func (f *File) explainOne(c *Connector, p string, op Op) string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector %q (%s:%d): access %s, endpoint %s, credentials: %s\n",
		c.Label, f.Path, c.Line, c.Access, orDefault(c.Endpoint, "AWS default"), c.credDescription())
	bucket, key, _ := strings.Cut(p, "/")
	fmt.Fprintf(&b, "  path:     %s  (%s)\n", p, describeTarget(bucket, key))
	fmt.Fprintf(&b, "  op:       %s\n", op)
	d := c.Decide(op, bucket, key)
	if d.Allowed() {
		b.WriteString("  decision: allowed\n")
	} else {
		fmt.Fprintf(&b, "  decision: denied with %s (%v)\n", d.Denial.ErrnoName(), d.Denial.errnoText())
	}
	fmt.Fprintf(&b, "  rule:     %s\n", d.Rule)
	for _, n := range c.explainNotes(p, bucket, key, d) {
		fmt.Fprintf(&b, "  note:     %s\n", n)
	}
	b.WriteString(c.patternList())
	return b.String()
}

// describeTarget says what kind of thing (bucket, key) names.
func describeTarget(bucket, key string) string {
	switch {
	case key == "":
		return fmt.Sprintf("bucket %q itself", bucket)
	case strings.HasSuffix(key, "/"):
		return fmt.Sprintf("bucket %q, directory %q", bucket, key)
	}
	return fmt.Sprintf("bucket %q, key %q", bucket, key)
}

// explainNotes adds hints a reader of a denial may need.
func (c *Connector) explainNotes(p, bucket, key string, d Decision) []string {
	var notes []string
	if CheckBucket(bucket) != nil || CheckKey(key) != nil {
		if clean := cleanPath(p); clean != p && clean != "" {
			notes = append(notes, fmt.Sprintf("objfs never presents this spelling; the kernel resolves it to %q first", clean))
		}
	}
	if d.Denial == DenyInvisible && !isDirKey(key) && c.DirVisible(bucket, key+"/") {
		notes = append(notes, fmt.Sprintf("as a directory (%s/) it is visible", p))
	}
	return notes
}

// cleanPath is what a path would look like after the kernel resolved it.
func cleanPath(p string) string {
	clean := strings.TrimPrefix(path.Clean("/"+p), "/")
	if strings.HasSuffix(p, "/") && clean != "" {
		clean += "/"
	}
	return clean
}

// patternList lists the connector's patterns with their meaning.
func (c *Connector) patternList() string {
	if c.everything() {
		return "  patterns: none (everything the credentials reach)\n"
	}
	var b strings.Builder
	b.WriteString("  patterns:\n")
	for i, p := range c.Paths {
		fmt.Fprintf(&b, "    paths[%d] %-24q line %-4d %s\n", i, p.Raw, p.Line, p.Describe())
	}
	return b.String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
